package io.chorus.bus;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * The cluster as an operator sees it: its name and members for the start log, and one line each time a member joins
 * or leaves, with its Hazelcast address and the new member count. Hazelcast's own membership lines are turned down
 * with the rest of its INFO logging (logback.xml).
 */
public final class ClusterMembership implements MembershipListener {

  private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);

  private final HazelcastInstance hazelcast;
  private final String name;

  private ClusterMembership(HazelcastInstance hazelcast, String name) {
    this.hazelcast = hazelcast;
    this.name = name;
  }

  /** Logs the membership changes of the cluster {@code name} that the member {@code hazelcast} belongs to. */
  public static ClusterMembership watch(HazelcastInstance hazelcast, String name) {
    ClusterMembership membership = new ClusterMembership(hazelcast, name);
    hazelcast.getCluster().addMembershipListener(membership);
    return membership;
  }

  /** E.g. {@code cluster 'chorus' of 2 members: 10.0.0.1:5701 (this node), 10.0.0.2:5701}. */
  public String describe() {
    Set<Member> members = hazelcast.getCluster().getMembers();
    return "cluster '" + name + "' of " + members(members.size()) + ": " + members.stream()
            .map(member -> address(member) + (member.localMember() ? " (this node)" : ""))
            .collect(Collectors.joining(", "));
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    log.info("Cluster '{}': member {} joined; {}", name, address(event.getMember()),
        members(event.getMembers().size()));
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    log.info("Cluster '{}': member {} left; {}", name, address(event.getMember()),
        members(event.getMembers().size()));
  }

  private static String members(int count) {
    return count + (count == 1 ? " member" : " members");
  }

  private static String address(Member member) {
    return member.getAddress().getHost() + ":" + member.getAddress().getPort();
  }
}
