package io.chorus.fanout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reads CPU and memory: the generator's own CPU (so a saturated generator is never mistaken for a
 * slow server) and, when asked, the server's CPU, RSS and JVM memory.
 */
final class Probe {
    /** USER_HZ: /proc reports CPU time in these ticks; 100 on every mainstream Linux build. */
    private static final long TICKS_PER_SECOND = 100;

    private Probe() {
    }

    static long generatorCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }

    /** utime + stime of a process from /proc/PID/stat, or -1 when it cannot be read. */
    static long processCpuNanos(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * TimeUnit.SECONDS.toNanos(1) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** VmRSS of a process in bytes, or -1. */
    static long rssBytes(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Heap and direct memory in use according to a Prometheus endpoint; -1 for what is missing. */
    record JvmMemory(long heapBytes, long directBytes) {
        static final JvmMemory NONE = new JvmMemory(-1, -1);

        long total() {
            return heapBytes < 0 || directBytes < 0 ? -1 : heapBytes + directBytes;
        }
    }

    static JvmMemory scrape(URI metrics) {
        if (metrics == null) {
            return JvmMemory.NONE;
        }
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return parse(res.body());
        } catch (IOException e) {
            System.err.println("metrics: " + metrics + " unreachable: " + e.getMessage());
            return JvmMemory.NONE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JvmMemory.NONE;
        }
    }

    static JvmMemory parse(String text) {
        double heap = -1;
        double direct = -1;
        for (String line : text.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                heap = Math.max(heap, 0) + value(line);
            } else if (line.startsWith("jvm_buffer_memory_used_bytes{") && line.contains("id=\"direct\"")
                    || line.startsWith("netty_direct_memory_used_bytes ")) {
                // Chorus's Netty counts its own direct memory, which the JVM's buffer meter does not see.
                direct = Math.max(direct, 0) + Math.max(value(line), 0);
            }
        }
        return new JvmMemory((long) heap, (long) direct);
    }

    private static double value(String line) {
        // After the labels, or after the name for a meter without labels (netty_direct_memory_used_bytes 1.6E7).
        int labelsEnd = line.lastIndexOf('}');
        String rest = (labelsEnd < 0 ? line.substring(line.indexOf(' ') + 1) : line.substring(labelsEnd + 1)).trim();
        int space = rest.indexOf(' ');
        return Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
    }

    /**
     * Asks a JVM server to collect garbage ({@code jcmd PID GC.run}) so that heap numbers compare
     * live data, not whatever garbage happened to be there. Bounded to 30 s.
     */
    static void collectGarbage(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                System.err.println("jcmd " + pid + " GC.run: no answer within 30 s");
            } else if (p.exitValue() != 0) {
                System.err.println("jcmd " + pid + " GC.run failed with exit code " + p.exitValue());
            }
        } catch (IOException e) {
            System.err.println("jcmd unavailable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
