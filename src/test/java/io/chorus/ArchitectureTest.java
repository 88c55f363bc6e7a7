package io.chorus;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** The package dependencies that each package-info.java describes, checked on the compiled classes. */
class ArchitectureTest {

  private static final JavaClasses CHORUS = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.chorus");

  @Test
  void packagesFormNoCycles() {
    slices().matching("io.chorus.(*)..").should().beFreeOfCycles().check(CHORUS);
  }

  @Test
  void hubKnowsNeitherSessionsNorTransportsNorTheBus() {
    noClasses().that().resideInAPackage("io.chorus.hub..")
        .should().dependOnClassesThat()
        .resideInAnyPackage("io.chorus.session..", "io.chorus.transport..", "io.chorus.bus..")
        .check(CHORUS);
  }

  @Test
  void sessionKnowsNoTransportNorWhatCarriesIt() {
    noClasses().that().resideInAPackage("io.chorus.session..")
        .should().dependOnClassesThat()
        .resideInAnyPackage("io.chorus.transport..", "io.chorus.bus..", "io.netty..", "io.vertx.core.http..",
            "io.vertx.core.net..", "io.vertx.ext.web..")
        .because("package-info.java of io.chorus.session says it imports no Netty, no Vert.x HTTP, no transport")
        .check(CHORUS);
  }

  @Test
  void transportsNeverReachTheBus() {
    noClasses().that().resideInAPackage("io.chorus.transport..")
        .should().dependOnClassesThat().resideInAPackage("io.chorus.bus..")
        .check(CHORUS);
  }

  @Test
  void busNeverReachesTransports() {
    noClasses().that().resideInAPackage("io.chorus.bus..")
        .should().dependOnClassesThat().resideInAPackage("io.chorus.transport..")
        .check(CHORUS);
  }

  @Test
  void onlyInternalsReachesVertxAndNettyInternals() {
    noClasses().that().doNotHaveFullyQualifiedName("io.chorus.transport.Internals")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.vertx.core.internal..", "io.vertx.core.impl..", "io.vertx.core.net.impl..", "io.vertx.core.http.impl..",
            "io.netty.util.internal..")
        .check(CHORUS);
  }

  @Test
  void onlyMainReachesTheJdksUnsupportedApis() {
    noClasses().that().doNotHaveFullyQualifiedName("io.chorus.Main")
        .should().dependOnClassesThat().resideInAnyPackage("sun..", "jdk.internal..")
        .because("javac's warning about them is off (pom.xml) for Main's signal handlers alone")
        .check(CHORUS);
  }

  @Test
  void configMetricsAndSecurityAreLeaves() {
    for (String leaf : new String[] {"config", "metrics", "security"}) {
      noClasses().that().resideInAPackage("io.chorus." + leaf + "..")
          .should().dependOnClassesThat().resideInAnyPackage(otherChorusPackages(leaf))
          .because("package-info.java of io.chorus." + leaf + " says it imports nothing else of Chorus")
          .check(CHORUS);
    }
  }

  private static String[] otherChorusPackages(String leaf) {
    return Stream.of("io.chorus", "config", "metrics", "security", "hub", "session", "bus", "transport")
        .filter(name -> !name.equals(leaf))
        .map(name -> name.equals("io.chorus") ? "io.chorus" : "io.chorus." + name + "..")
        .toArray(String[]::new);
  }
}
