package io.chorus.support;

import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.util.Set;

/**
 * Hazelcast's own word on whether a member may leave without loss: {@code isClusterSafe} is true once every
 * partition's backup is in sync with its primary (no migration under way). Chorus does not expose it, so this reads
 * it from a node's JVM over JMX, the way an operator would with jconsole: the node runs with
 * {@code -Dhazelcast.jmx=true}, and this attaches to it by its pid and starts its local JMX agent.
 */
public final class ClusterSafety implements AutoCloseable {

  /** The JVM option that makes a node register Hazelcast's MBeans. */
  public static final String JMX_OPTION = "-Dhazelcast.jmx=true";

  private final JMXConnector connector;
  private final MBeanServerConnection server;

  private ClusterSafety(JMXConnector connector) throws Exception {
    this.connector = connector;
    this.server = connector.getMBeanServerConnection();
  }

  /** Connects to the JVM of process {@code pid}. */
  public static ClusterSafety of(long pid) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    return new ClusterSafety(JMXConnectorFactory.connect(new JMXServiceURL(address)));
  }

  /** Whether Hazelcast, asked on this node, says every partition has its backup in sync. */
  public boolean clusterSafe() throws Exception {
    Set<ObjectName> names = server.queryNames(
        new ObjectName("com.hazelcast:type=HazelcastInstance.PartitionServiceMBean,*"), null);
    if (names.size() != 1) {
      throw new IllegalStateException("Hazelcast's partition service MBean not found (is " + JMX_OPTION + " set?): "
          + names);
    }
    return (Boolean) server.getAttribute(names.iterator().next(), "isClusterSafe");
  }

  @Override
  public void close() throws Exception {
    connector.close();
  }
}
