# Chorus container image: a Maven build stage, then a JRE-only runtime stage.
#
#   docker build -t chorus:dev .
#   docker run --rm -p 8080:8080 chorus:dev
#
# No HEALTHCHECK: Kubernetes probes /health/live and /health/ready itself (k8s/base/deployment.yaml), and Docker's
# HEALTHCHECK would need curl or wget in the image only to repeat them.

# The base images are build arguments, so that the image can be built where Docker Hub is out of reach:
# deploy/check-image.sh builds both from Debian packages and passes them in. Any base serves that has a JDK 17 and
# Maven on the PATH (build), or a Java 17.0.9 or later runtime with groupadd and useradd (runtime).
ARG BUILD_IMAGE=docker.io/library/maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=docker.io/library/eclipse-temurin:17-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /build
# Dependencies first, in a layer of their own: it is rebuilt only when pom.xml changes, not on every source edit.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -DskipTests package

# The runtime is the Java version the build targets (maven.compiler.release 17) and the tests run on.
FROM ${RUNTIME_IMAGE}

# Declared again to be read inside the stage: an ARG before the first FROM is visible to FROM lines only.
ARG RUNTIME_IMAGE
# Set by the build: docker build --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" .
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="Chorus" \
      org.opencontainers.image.description="WebSocket broadcast server on Vert.x: rooms, fan-out, clustering" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

# A fixed, non-root UID/GID: k8s/base/deployment.yaml's securityContext names the same numbers (runAsUser 10001), and
# runAsNonRoot can only be verified against a numeric USER.
RUN groupadd --system --gid 10001 chorus \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin chorus

WORKDIR /app
# Owned by root and not writable by chorus: the running server cannot alter its own code.
COPY --from=build /build/target/chorus.jar /app/chorus.jar

# Client WebSockets and the chat page (CHORUS_PORT).
EXPOSE 8080
# /metrics and /health/* (CHORUS_MANAGEMENT_PORT, 9090 by default): `docker run -p 8080:8080` leaves them unpublished;
# add -p 127.0.0.1:9090:9090 to scrape them from the host.
EXPOSE 9090
# Hazelcast member-to-member traffic in clustered mode (CHORUS_CLUSTER_PORT).
EXPOSE 5701
# Clustered event bus between nodes (CHORUS_EVENTBUS_PORT; k8s/base/ fixes it at 5710 so the NetworkPolicy can open it).
EXPOSE 5710

USER 10001:10001

# Exec form, so that java is PID 1 and receives SIGTERM itself: Chorus then drains (readiness false, close with
# 1001 over drain-period) and exits 0. A shell in between would swallow the signal until the kill after the grace
# period.
#
# Memory: the JVM reads the container's memory limit. The heap gets 40 % of it. Netty's direct buffers, where
# every WebSocket frame and each connection's pending output live, are outside the heap and may grow up to the
# maximum heap size by default (another 40 %); the last 20 % is for metaspace, code cache, thread stacks and GC
# structures. A heap at 75 % would let heap plus direct memory pass the limit, and the kernel would OOM-kill the
# pod without a word in its log.
# The heap follows the live set, so that memory grows with connections, not with what the collector keeps in hand
# (README, Performance: RSS per idle connection, 19,000 connections in a 2 GiB container). SerialGC, as the JVM picks
# itself below 2 CPUs: with 2 CPUs it would pick G1, whose committed heap stays far above the live set (8.5 KiB of
# RSS per idle connection against 4.8). -Xmn8m: a fixed young generation, where a broadcast's short-lived objects
# die; left to grow with the heap (a third of it) it cost 1.2 KiB more per idle connection. Min/MaxHeapFreeRatio
# 10/20 (40/70 by default): the old generation grows by 10 % at a time and gives back what is beyond 20 % free, 0.2
# KiB per idle connection less than 40/40, for twice as many full collections while connections arrive (9 against 4
# over 19,000 connections, each under 0.4 s on a busy machine); none while the node holds steady.
# TrimNativeHeapInterval=5000: every 5 s the JVM has the C library give back native memory that was freed but kept
# in its arenas (most likely the JIT compilers' scratch space while the first connections arrive, which NMT counts
# as free): 2.7 KiB of RSS per idle connection instead of 3.2-3.7 at 19,000, and 6 MiB less at start.
# ExitOnOutOfMemoryError: a JVM out of heap stops at once and Kubernetes restarts it, instead of limping on.
# The jar's manifest already carries the --add-opens Hazelcast and Netty want, so nothing else is needed here.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=40", "-XX:+UseSerialGC", "-Xmn8m", "-XX:MinHeapFreeRatio=10", \
            "-XX:MaxHeapFreeRatio=20", "-XX:TrimNativeHeapInterval=5000", "-XX:+ExitOnOutOfMemoryError", \
            "-jar", "/app/chorus.jar"]
