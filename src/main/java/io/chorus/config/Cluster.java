package io.chorus.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How this node finds and talks to the others, when clustered.
 *
 * @param enabled            whether the node is clustered at all
 * @param name               cluster name; clusters with different names never merge
 * @param host               address Hazelcast binds to and announces
 * @param port               Hazelcast member port
 * @param members            host:port of the members to join, when discovery is by list
 * @param kubernetesService  DNS name of the headless service to look members up in, when discovery is by DNS
 * @param failureTimeout     how long a member may send no heartbeat before the others take it out
 * @param eventBusHost       address the clustered event bus binds to
 * @param eventBusPort       port of the clustered event bus, 0 for a free one
 * @param eventBusPublicHost address other nodes reach the event bus at
 */
public record Cluster(
    boolean enabled,
    String name,
    String host,
    int port,
    List<String> members,
    Optional<String> kubernetesService,
    Duration failureTimeout,
    String eventBusHost,
    int eventBusPort,
    String eventBusPublicHost) {
}
