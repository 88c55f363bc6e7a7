package io.chorus;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Cluster;
import io.chorus.config.ConfigLoader;
import io.chorus.config.Setting;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Dockerfile and the Kubernetes manifests in k8s/ agree with the server: the jar the build makes, the settings
 * that exist, the ports they name, the health paths, and the time a drain may take; and k8s/'s components and dev
 * overlay fit its base. Reads files only; k8s/check.sh renders them.
 */
class DeploymentManifestsTest {

  private static final Path K8S = Path.of("k8s");
  private static final Path BASE = K8S.resolve("base");
  private static final Path COMPONENTS = K8S.resolve("components");
  private static final Path DEV = K8S.resolve("overlays/dev");
  /** The API versions every cluster serves, with no CRD installed. */
  private static final Set<String> BUILT_IN_APIS =
      Set.of("v1", "apps/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1");
  private static final Pattern SETTING_VARIABLE = Pattern.compile("\\bCHORUS_[A-Z0-9_]+\\b");
  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final String POD_IP = "10.1.2.3";

  private static Map<String, Node> manifests;
  private static Dockerfile dockerfile;
  private static Node pod;
  private static Node container;
  private static ChorusConfig config;

  @BeforeAll
  static void readFiles() throws Exception {
    manifests = new TreeMap<>();
    try (Stream<Path> files = Files.list(BASE)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        manifests.put(file.getFileName().toString(), Node.load(file));
      }
    }
    dockerfile = Dockerfile.parse(Path.of("Dockerfile"));
    pod = ofKind("Deployment").at("spec", "template", "spec");
    container = pod.get("containers").items().get(0);
    config = ConfigLoader.load(new String[0], podEnvironment());
  }

  @Test
  void dockerfileCopiesAndRunsTheJarThePomBuilds() throws Exception {
    Matcher shaded = Pattern.compile("<outputFile>\\$\\{project.build.directory}/([^<]+)</outputFile>")
        .matcher(Files.readString(Path.of("pom.xml")));
    assertThat(shaded.find()).as("pom.xml names the shaded jar's <outputFile>").isTrue();
    String jar = "target/" + shaded.group(1);

    List<String> copy = dockerfile.lastStage("COPY");
    assertThat(copy).as("COPY in the runtime stage").hasSize(3);
    assertThat(copy.get(0)).isEqualTo("--from=build");
    assertThat(copy.get(1)).isEqualTo(dockerfile.stageWorkdir("build") + "/" + jar);
    assertThat(dockerfile.stageRuns("build")).anyMatch(run -> run.contains("mvn") && run.contains("package"));

    String entrypoint = dockerfile.lastStageLine("ENTRYPOINT");
    assertThat(entrypoint).as("exec form, so that SIGTERM reaches the JVM").startsWith("[");
    List<String> command = new JsonArray(entrypoint).stream().map(String.class::cast).toList();
    assertThat(command.get(0)).isEqualTo("java");
    assertThat(command).containsSequence("-jar", copy.get(2)).contains("-XX:+ExitOnOutOfMemoryError");
    assertThat(command).anyMatch(flag -> flag.startsWith("-XX:MaxRAMPercentage="));
  }

  @Test
  void everyChorusVariableIsARealSetting() throws Exception {
    Set<String> settings = Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
    Set<String> used = new TreeSet<>();
    for (Path file : manifestFiles()) {
      collect(Files.readString(file), used);
    }
    collect(Files.readString(Path.of("Dockerfile")), used);

    assertThat(used).containsAll(configMap().keySet()).contains("CHORUS_CLUSTER_K8S_SERVICE").isSubsetOf(settings);
  }

  @Test
  void configMapAndContainerEnvironmentNeverSetTheSameVariable() {
    Set<String> fromEnv = container.get("env").items().stream()
        .map(variable -> variable.get("name").text()).collect(Collectors.toSet());
    assertThat(fromEnv).as("env silently overrides envFrom").doesNotContainAnyElementsOf(configMap().keySet());
    assertThat(container.get("envFrom").items().get(0).at("configMapRef", "name").text())
        .isEqualTo(ofKind("ConfigMap").at("metadata", "name").text());
  }

  @Test
  void podEnvironmentMakesAClusteredNodeOnThePodIp() {
    Cluster cluster = config.cluster();
    String headless = headlessService().at("metadata", "name").text();

    assertThat(cluster.enabled()).isTrue();
    assertThat(cluster.host()).isEqualTo(POD_IP);
    assertThat(cluster.eventBusHost()).isEqualTo(POD_IP);
    assertThat(cluster.eventBusPublicHost()).isEqualTo(POD_IP);
    assertThat(cluster.members()).as("static members are for local use, not Kubernetes").isEmpty();
    assertThat(cluster.kubernetesService()).hasValueSatisfying(
        service -> assertThat(service).startsWith(headless + "." + namespace() + ".svc."));
  }

  @Test
  void serviceLinksAreOffSoNoServiceCanSetChorusPort() {
    assertThat(pod.get("enableServiceLinks").value()).isEqualTo(false);
  }

  @Test
  void exposedAndContainerPortsAreTheConfiguredOnes() {
    Map<String, Integer> ports = containerPorts();
    assertThat(ports).containsExactlyInAnyOrderEntriesOf(Map.of(
        "client", config.port(),
        "management", config.managementPort().orElseThrow(),
        "hazelcast", config.cluster().port(),
        "eventbus", config.cluster().eventBusPort()));
    assertThat(dockerfile.lastStageLines("EXPOSE").stream()
        .flatMap(line -> Arrays.stream(line.split("\\s+")))
        .map(port -> Integer.parseInt(port.replace("/tcp", "")))
        .collect(Collectors.toSet()))
        .isEqualTo(Set.copyOf(ports.values()));
  }

  @Test
  void withoutSettingsTheImageServesMetricsAndHealthWhereTheManifestsLook() throws Exception {
    assertThat(ConfigLoader.load(new String[0], Map.of()).managementPort()).isEqualTo(config.managementPort());
  }

  @Test
  void probesAndScrapeAnnotationsUseTheManagementPort() {
    int management = config.managementPort().orElseThrow();
    assertThat(probe("livenessProbe")).isEqualTo(new HttpGet("/health/live", management));
    assertThat(probe("readinessProbe")).isEqualTo(new HttpGet("/health/ready", management));
    assertThat(probe("startupProbe").port()).isEqualTo(management);
    assertThat(probe("startupProbe").path()).isIn("/health/live", "/health/ready");

    Node annotations = ofKind("Deployment").at("spec", "template", "metadata", "annotations");
    assertThat(annotations.get("prometheus.io/scrape").text()).isEqualTo("true");
    assertThat(annotations.get("prometheus.io/port").text()).isEqualTo(Integer.toString(management));
    assertThat(annotations.get("prometheus.io/path").text()).isEqualTo("/metrics");
  }

  @Test
  void gracePeriodOutlastsThePreStopSleepAndTheWholeDrain() {
    List<String> preStop = container.at("lifecycle", "preStop", "exec", "command").items().stream()
        .map(Node::text).toList();
    assertThat(preStop).hasSize(2).startsWith("sleep");
    Duration sleep = Duration.ofSeconds(Long.parseLong(preStop.get(1)));
    Duration grace = Duration.ofSeconds(pod.get("terminationGracePeriodSeconds").integer());

    assertThat(grace).as("terminationGracePeriodSeconds against preStop sleep + drain-period + close-timeout + 2 s")
        .isGreaterThan(sleep.plus(config.timeouts().shutdownBound()));
  }

  @Test
  void headlessServicePublishesStartingMembersOnTheClusterPort() {
    Node spec = headlessService().get("spec");
    assertThat(spec.get("publishNotReadyAddresses").value()).isEqualTo(true);
    assertThat(spec.get("ports").items()).extracting(DeploymentManifestsTest::targetPort)
        .containsExactly(config.cluster().port());
  }

  @Test
  void servicesSelectTheChorusPodsAndNamePortsTheyHave() throws Exception {
    Map<String, Object> podLabels = podLabels();
    List<Node> services = manifests.values().stream().filter(m -> m.get("kind").text().equals("Service")).toList();
    assertThat(services).hasSizeGreaterThanOrEqualTo(3);
    for (Node service : services) {
      assertThat(podLabels).containsAllEntriesOf(service.at("spec", "selector").map());
      service.at("spec", "ports").items().forEach(DeploymentManifestsTest::targetPort);
    }
    assertThat(manifests.get("service.yaml").at("spec", "ports").items())
        .as("the client Service carries clients only").extracting(DeploymentManifestsTest::targetPort)
        .containsExactly(config.port());

    Node monitor = Node.load(COMPONENTS.resolve("prometheus-operator/servicemonitor.yaml")).get("spec");
    Map<String, Object> wanted = monitor.at("selector", "matchLabels").map();
    List<Node> scraped = services.stream()
        .filter(service -> service.at("metadata", "labels").map().entrySet().containsAll(wanted.entrySet())).toList();
    assertThat(scraped).as("Services the ServiceMonitor selects").hasSize(1);
    Node scrapedPort = scraped.get(0).at("spec", "ports").items().stream()
        .filter(port -> port.get("name").text().equals(monitor.get("endpoints").items().get(0).get("port").text()))
        .findFirst().orElseThrow(() -> new AssertionError("the ServiceMonitor's port is not on its Service"));
    assertThat(targetPort(scrapedPort)).isEqualTo(config.managementPort().orElseThrow());
  }

  @Test
  void networkPolicyOpensTheClusterPortsToChorusPodsOnly() {
    Map<String, Object> podLabels = podLabels();
    Set<Integer> clusterPorts = Set.of(config.cluster().port(), config.cluster().eventBusPort());
    Set<Integer> opened = new TreeSet<>();
    for (Node rule : ofKind("NetworkPolicy").at("spec", "ingress").items()) {
      Set<Integer> ports = rule.get("ports").items().stream()
          .map(DeploymentManifestsTest::policyPort).collect(Collectors.toSet());
      opened.addAll(ports);
      if (ports.stream().anyMatch(clusterPorts::contains)) {
        assertThat(rule.has("from")).as("cluster ports need a from").isTrue();
        for (Node peer : rule.get("from").items()) {
          assertThat(peer.map().keySet()).containsExactly("podSelector");
          assertThat(podLabels).containsAllEntriesOf(peer.at("podSelector", "matchLabels").map());
        }
      }
    }
    assertThat(opened).containsAll(containerPorts().values());
  }

  @Test
  void containerRunsAsTheImageUserOnAReadOnlyRootWithAWritableTmp() {
    List<String> user = List.of(dockerfile.lastStageLine("USER").split(":"));
    Node security = pod.get("securityContext");
    assertThat(security.get("runAsNonRoot").value()).isEqualTo(true);
    assertThat(security.get("runAsUser").integer()).isEqualTo(Integer.parseInt(user.get(0)));
    assertThat(security.get("runAsGroup").integer()).isEqualTo(Integer.parseInt(user.get(1)));

    Node containerSecurity = container.get("securityContext");
    assertThat(containerSecurity.get("readOnlyRootFilesystem").value()).isEqualTo(true);
    assertThat(containerSecurity.get("allowPrivilegeEscalation").value()).isEqualTo(false);
    assertThat(containerSecurity.at("capabilities", "drop").items()).extracting(Node::text).containsExactly("ALL");
    assertThat(container.get("volumeMounts").items()).extracting(mount -> mount.get("mountPath").text())
        .as("Netty unpacks its native transport to /tmp").contains("/tmp");
  }

  @Test
  void autoscalerOwnsTheReplicaCountAndKeepsAClusterOfThree() {
    Node deployment = ofKind("Deployment");
    Node autoscaler = ofKind("HorizontalPodAutoscaler").get("spec");
    assertThat(deployment.get("spec").has("replicas")).as("kubectl apply would reset the autoscaler").isFalse();
    assertThat(autoscaler.at("scaleTargetRef", "name").text()).isEqualTo(deployment.at("metadata", "name").text());
    assertThat(autoscaler.get("minReplicas").integer()).isGreaterThanOrEqualTo(3);
    assertThat(ofKind("PodDisruptionBudget").at("spec", "maxUnavailable").integer()).isEqualTo(1);
    Node rollout = deployment.at("spec", "strategy", "rollingUpdate");
    assertThat(rollout.get("maxUnavailable").integer()).isZero();
    assertThat(rollout.get("maxSurge").integer()).isEqualTo(1);
  }

  @Test
  void kustomizationListsEveryManifestOnce() {
    Node kustomization = manifests.get("kustomization.yaml");
    List<String> resources = kustomization.get("resources").items().stream().map(Node::text).toList();
    Set<String> files = new TreeSet<>(manifests.keySet());
    files.remove("kustomization.yaml");

    assertThat(resources).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(files);
    assertThat(ofKind("Namespace").at("metadata", "name").text()).isEqualTo(namespace());
  }

  @Test
  void kubectlApplyOfK8sAppliesTheBaseInItsNamespaceWithNothingButBuiltInKinds() throws Exception {
    Node root = Node.load(K8S.resolve("kustomization.yaml"));
    assertThat(root.get("resources").items()).extracting(Node::text).containsExactly("base");
    assertThat(root.has("components")).as("components are optional: k8s/ must apply on a plain cluster").isFalse();
    assertThat(root.get("namespace").text()).as("the components' objects need the namespace too")
        .isEqualTo(namespace());
    assertThat(root.get("labels").value()).isEqualTo(manifests.get("kustomization.yaml").get("labels").value());
    for (Map.Entry<String, Node> manifest : manifests.entrySet()) {
      if (!manifest.getKey().equals("kustomization.yaml")) {
        assertThat(manifest.getValue().get("apiVersion").text()).as(manifest.getKey()).isIn(BUILT_IN_APIS);
      }
    }
  }

  @Test
  void prometheusOperatorComponentHoldsTheServiceMonitor() throws Exception {
    Path folder = COMPONENTS.resolve("prometheus-operator");
    Node component = Node.load(folder.resolve("kustomization.yaml"));
    assertThat(component.get("kind").text()).isEqualTo("Component");
    assertThat(component.get("resources").items()).extracting(Node::text).containsExactly("servicemonitor.yaml");
    Node monitor = Node.load(folder.resolve("servicemonitor.yaml"));
    assertThat(monitor.get("kind").text()).isEqualTo("ServiceMonitor");
    assertThat(monitor.get("apiVersion").text()).isNotIn(BUILT_IN_APIS);
  }

  @Test
  void devOverlayRunsOneSmallPodOfTheBaseWithoutTheAutoscaler() throws Exception {
    Node overlay = Node.load(DEV.resolve("kustomization.yaml"));
    assertThat(overlay.get("resources").items()).extracting(Node::text).containsExactly("../../base");
    List<Node> patches = overlay.get("patches").items();
    Node autoscaler = ofKind("HorizontalPodAutoscaler");
    List<Node> deleted = patches.stream().filter(patch -> patch.has("patch"))
        .map(patch -> new Node(new Yaml().load(patch.get("patch").text()), patch.path() + ".patch"))
        .filter(patch -> "delete".equals(patch.get("$patch").value())).toList();
    assertThat(deleted).as("objects the overlay deletes").hasSize(1);
    assertThat(deleted.get(0).get("kind").text()).isEqualTo(autoscaler.get("kind").text());
    assertThat(deleted.get(0).get("apiVersion").text()).isEqualTo(autoscaler.get("apiVersion").text());
    assertThat(deleted.get(0).at("metadata", "name").text()).isEqualTo(autoscaler.at("metadata", "name").text());

    Node deployment = Node.load(DEV.resolve("deployment-dev.yaml"));
    assertThat(deployment.at("metadata", "name").text()).isEqualTo(ofKind("Deployment").at("metadata", "name").text());
    assertThat(deployment.at("spec", "replicas").integer()).isEqualTo(1);
    Node devContainer = deployment.at("spec", "template", "spec", "containers").items().get(0);
    assertThat(devContainer.get("name").text()).as("a patch of the container, not a second one")
        .isEqualTo(container.get("name").text());
    Node requests = devContainer.at("resources", "requests");
    Node limits = devContainer.at("resources", "limits");
    assertThat(requests.get("memory").text()).as("memory request = limit, as in the base")
        .isEqualTo(limits.get("memory").text()).isEqualTo("512Mi");
    assertThat(requests.get("cpu").text()).isEqualTo("100m");

    Node service = Node.load(DEV.resolve("service-dev.yaml"));
    assertThat(service.at("metadata", "name").text())
        .isEqualTo(manifests.get("service.yaml").at("metadata", "name").text());
    assertThat(patches).extracting(patch -> patch.has("path") ? patch.get("path").text() : "inline")
        .contains("deployment-dev.yaml", "service-dev.yaml");
  }

  @Test
  void baseImagesAreBuildArgumentsThatDefaultToPublicImages() {
    assertThat(dockerfile.stages()).extracting(Dockerfile.Stage::base)
        .containsExactly("${BUILD_IMAGE}", "${RUNTIME_IMAGE}");
    assertThat(dockerfile.arguments()).containsEntry("BUILD_IMAGE", "docker.io/library/maven:3.9-eclipse-temurin-17")
        .containsEntry("RUNTIME_IMAGE", "docker.io/library/eclipse-temurin:17-jre");
  }

  @Test
  void tlsComponentPointsChorusAtTheMountedSecretAndTheIngressAtTheClientPort() throws Exception {
    Path tls = COMPONENTS.resolve("tls");
    Node component = Node.load(tls.resolve("kustomization.yaml"));
    assertThat(component.get("kind").text()).isEqualTo("Component");
    Node patched = Node.load(tls.resolve("deployment-tls.yaml"));
    Node patchedPod = patched.at("spec", "template", "spec");
    Node patchedContainer = patchedPod.get("containers").items().get(0);
    assertThat(patchedContainer.get("name").text()).isEqualTo(container.get("name").text());
    Node volume = patchedPod.get("volumes").items().get(0);
    Node mount = patchedContainer.get("volumeMounts").items().get(0);
    assertThat(mount.get("name").text()).isEqualTo(volume.get("name").text());
    String folder = mount.get("mountPath").text() + "/";

    Map<String, String> env = new LinkedHashMap<>();
    patchedContainer.get("env").items().forEach(variable -> env.put(variable.get("name").text(),
        variable.get("value").text()));
    Set<String> settings = Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
    assertThat(settings).containsAll(env.keySet());
    assertThat(env).containsEntry(Setting.TLS_CERT.env(), folder + "tls.crt")
        .containsEntry(Setting.TLS_KEY.env(), folder + "tls.key");
    assertThat(env.keySet()).doesNotContainAnyElementsOf(configMap().keySet());

    Node ingress = Node.load(tls.resolve("ingress.yaml"));
    assertThat(ingress.at("spec", "tls").items().get(0).get("secretName").text())
        .isEqualTo(volume.at("secret", "secretName").text());
    Node backend = ingress.at("spec", "rules").items().get(0).at("http", "paths").items().get(0)
        .at("backend", "service");
    assertThat(backend.get("name").text()).isEqualTo(manifests.get("service.yaml").at("metadata", "name").text());
    assertThat(containerPort(backend.at("port", "name"))).isEqualTo(config.port());
    assertThat(ingress.at("metadata", "annotations").map()).containsEntry(
        "nginx.ingress.kubernetes.io/backend-protocol", "HTTPS")
        .containsKeys("nginx.ingress.kubernetes.io/proxy-read-timeout",
            "nginx.ingress.kubernetes.io/proxy-send-timeout");
  }

  /** What the container sees: the ConfigMap, then env in order, with $(NAME) expanded as the kubelet does. */
  private static Map<String, String> podEnvironment() {
    Map<String, String> fieldValues = Map.of("status.podIP", POD_IP, "metadata.namespace", namespace());
    Map<String, String> env = new LinkedHashMap<>(configMap());
    for (Node variable : container.get("env").items()) {
      String name = variable.get("name").text();
      if (variable.has("valueFrom") && variable.get("valueFrom").has("secretKeyRef")) {
        // A Secret created apart (the JWT secret): optional, so a cluster without it renders and starts, as here.
        assertThat(variable.at("valueFrom", "secretKeyRef", "optional").value()).as("%s is optional", name)
            .isEqualTo(true);
      } else if (variable.has("valueFrom")) {
        String field = variable.at("valueFrom", "fieldRef", "fieldPath").text();
        assertThat(fieldValues).as("downward API field of %s", name).containsKey(field);
        env.put(name, fieldValues.get(field));
      } else {
        env.put(name, expand(variable.get("value").text(), env, name));
      }
    }
    return env;
  }

  private static String expand(String value, Map<String, String> defined, String name) {
    Matcher matcher = REFERENCE.matcher(value);
    StringBuilder expanded = new StringBuilder();
    while (matcher.find()) {
      String reference = matcher.group(1);
      if (!defined.containsKey(reference)) {
        fail("%s refers to $(%s), which is not defined before it; the kubelet would leave it unexpanded",
            name, reference);
      }
      matcher.appendReplacement(expanded, Matcher.quoteReplacement(defined.get(reference)));
    }
    return matcher.appendTail(expanded).toString();
  }

  private static Map<String, String> configMap() {
    Map<String, String> data = new LinkedHashMap<>();
    ofKind("ConfigMap").get("data").map().forEach((key, value) -> {
      assertThat(value).as("ConfigMap values are strings: quote %s", key).isInstanceOf(String.class);
      data.put(key, (String) value);
    });
    return data;
  }

  private static Node ofKind(String kind) {
    List<Node> found = manifests.values().stream().filter(m -> m.has("kind") && m.get("kind").text().equals(kind))
        .toList();
    assertThat(found).as("one %s in k8s/base/", kind).hasSize(1);
    return found.get(0);
  }

  private static Node headlessService() {
    List<Node> headless = manifests.values().stream()
        .filter(m -> m.get("kind").text().equals("Service"))
        .filter(m -> m.get("spec").has("ports") && m.at("spec", "ports").items().stream()
            .anyMatch(port -> targetPort(port) == config.cluster().port()))
        .toList();
    assertThat(headless).as("one Service for the Hazelcast port").hasSize(1);
    assertThat(headless.get(0).at("spec", "clusterIP").text()).isEqualTo("None");
    return headless.get(0);
  }

  private static Map<String, Object> podLabels() {
    return ofKind("Deployment").at("spec", "template", "metadata", "labels").map();
  }

  private static String namespace() {
    return manifests.get("kustomization.yaml").get("namespace").text();
  }

  private static List<Path> manifestFiles() {
    return manifests.keySet().stream().map(BASE::resolve).toList();
  }

  private static Map<String, Integer> containerPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    container.get("ports").items()
        .forEach(port -> ports.put(port.get("name").text(), port.get("containerPort").integer()));
    return ports;
  }

  private static int targetPort(Node servicePort) {
    return containerPort(servicePort.get("targetPort"));
  }

  private static int policyPort(Node policyPort) {
    return containerPort(policyPort.get("port"));
  }

  private static HttpGet probe(String name) {
    Node get = container.at(name, "httpGet");
    return new HttpGet(get.get("path").text(), containerPort(get.get("port")));
  }

  /** A port given by number, or by the name of one of the container's ports. */
  private static int containerPort(Node port) {
    if (port.value() instanceof Integer number) {
      assertThat(containerPorts()).as(port.path()).containsValue(number);
      return number;
    }
    assertThat(containerPorts()).as(port.path()).containsKey(port.text());
    return containerPorts().get(port.text());
  }

  private static void collect(String text, Set<String> names) {
    Matcher matcher = SETTING_VARIABLE.matcher(text);
    while (matcher.find()) {
      names.add(matcher.group());
    }
  }

  private record HttpGet(String path, int port) {
  }

  /** A value in a parsed YAML document, with the path that led to it for failure messages. */
  private record Node(Object value, String path) {

    static Node load(Path file) throws IOException {
      List<Object> documents = new ArrayList<>();
      new Yaml().loadAll(Files.readString(file)).forEach(documents::add);
      assertThat(documents).as("%s holds one object", file).hasSize(1);
      return new Node(documents.get(0), file.getFileName().toString());
    }

    boolean has(String key) {
      return map().containsKey(key);
    }

    Node get(String key) {
      assertThat(map()).as(path).containsKey(key);
      return new Node(map().get(key), path + "." + key);
    }

    Node at(String... keys) {
      Node node = this;
      for (String key : keys) {
        node = node.get(key);
      }
      return node;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map() {
      assertThat(value).as(path).isInstanceOf(Map.class);
      return (Map<String, Object>) value;
    }

    List<Node> items() {
      assertThat(value).as(path).isInstanceOf(List.class);
      List<?> list = (List<?>) value;
      List<Node> items = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        items.add(new Node(list.get(i), path + "[" + i + "]"));
      }
      return items;
    }

    String text() {
      assertThat(value).as(path).isInstanceOf(String.class);
      return (String) value;
    }

    int integer() {
      assertThat(value).as(path).isInstanceOf(Integer.class);
      return (Integer) value;
    }
  }

  /**
   * The instructions of a Dockerfile, by stage, with continuation lines joined and comments dropped, and the ARGs
   * before the first FROM with their defaults.
   */
  private record Dockerfile(Map<String, String> arguments, List<Stage> stages) {

    record Stage(String base, String name, List<String[]> instructions) {
    }

    static Dockerfile parse(Path file) throws IOException {
      Map<String, String> arguments = new LinkedHashMap<>();
      List<Stage> stages = new ArrayList<>();
      StringBuilder pending = new StringBuilder();
      for (String line : Files.readAllLines(file)) {
        String trimmed = line.strip();
        if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.isEmpty())) {
          continue;
        }
        if (trimmed.endsWith("\\")) {
          pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
          continue;
        }
        String[] instruction = pending.append(trimmed).toString().strip().split("\\s+", 2);
        pending.setLength(0);
        if (instruction[0].equalsIgnoreCase("FROM")) {
          String[] from = instruction[1].split("\\s+");
          stages.add(new Stage(from[0], from.length == 3 ? from[2] : "", new ArrayList<>()));
        } else if (stages.isEmpty()) {
          assertThat(instruction[0]).as("only ARG comes before the first FROM").isEqualToIgnoringCase("ARG");
          String[] argument = instruction[1].split("=", 2);
          arguments.put(argument[0], argument.length == 2 ? argument[1] : "");
        } else {
          stages.get(stages.size() - 1).instructions().add(instruction);
        }
      }
      return new Dockerfile(arguments, stages);
    }

    List<String> lastStageLines(String keyword) {
      return lines(stages.get(stages.size() - 1), keyword);
    }

    String lastStageLine(String keyword) {
      List<String> lines = lastStageLines(keyword);
      assertThat(lines).as("one %s in the runtime stage", keyword).hasSize(1);
      return lines.get(0);
    }

    List<String> lastStage(String keyword) {
      return List.of(lastStageLine(keyword).split("\\s+"));
    }

    String stageWorkdir(String name) {
      List<String> workdirs = lines(stage(name), "WORKDIR");
      assertThat(workdirs).as("WORKDIR of stage %s", name).hasSize(1);
      return workdirs.get(0);
    }

    List<String> stageRuns(String name) {
      return lines(stage(name), "RUN");
    }

    private Stage stage(String name) {
      return stages.stream().filter(s -> s.name().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError("no stage " + name + " in the Dockerfile"));
    }

    private static List<String> lines(Stage stage, String keyword) {
      return stage.instructions().stream().filter(i -> i[0].equalsIgnoreCase(keyword)).map(i -> i[1]).toList();
    }
  }
}
