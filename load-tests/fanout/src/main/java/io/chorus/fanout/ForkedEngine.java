package io.chorus.fanout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Connections spread over K child JVMs, because one process may hold at most 20,000 descriptors.
 * Each child runs a {@link LocalEngine} on its {@link Share} and is driven over stdin/stdout, one
 * line per command and per answer ({@link ChildMain}). Tallies merge in the parent; latency stays
 * comparable because every process stamps and reads the same CLOCK_MONOTONIC (see {@link Payload}).
 */
final class ForkedEngine implements Engine {
    private final List<Child> children = new ArrayList<>();
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fanout-child-reader");
        t.setDaemon(true);
        return t;
    });
    private final Duration connectTimeout;

    ForkedEngine(Options options) throws IOException {
        this.connectTimeout = options.connectTimeout();
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classpath = System.getProperty("java.class.path");
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (Share share : Share.split(Share.whole(options), options.processes())) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(classpath);
            cmd.add(ChildMain.class.getName());
            cmd.addAll(options.childArgs(share));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            children.add(new Child(share.index(), p,
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                    new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8)));
        }
    }

    @Override
    public Tally connect() throws Exception {
        return collect(null, connectTimeout.plusSeconds(60));
    }

    @Override
    public Tally step(double ratePerPublisher, Duration warmup, Duration measure, Duration drain) throws Exception {
        String cmd = "STEP " + ratePerPublisher + " " + warmup.toMillis() + " " + measure.toMillis() + " " + drain.toMillis();
        return collect(cmd, warmup.plus(measure).plus(drain).plusSeconds(60));
    }

    @Override
    public Tally status() throws Exception {
        return collect("STATUS", Duration.ofSeconds(60));
    }

    /** Sends {@code command} (if any) to every child and merges the answers. */
    private Tally collect(String command, Duration timeout) throws Exception {
        List<CompletableFuture<Tally>> answers = new ArrayList<>();
        for (Child c : children) {
            if (command != null) {
                c.in.println(command);
            }
            answers.add(CompletableFuture.supplyAsync(c::readResult, readers));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Tally merged = new Tally();
        answers.forEach(a -> merged.add(a.join()));
        return merged;
    }

    @Override
    public void close() {
        for (Child c : children) {
            c.in.println("EXIT");
        }
        for (Child c : children) {
            try {
                if (!c.process.waitFor(20, TimeUnit.SECONDS)) {
                    c.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                c.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        readers.shutdownNow();
    }

    private record Child(int index, Process process, BufferedReader out, PrintWriter in) {
        Tally readResult() {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith(ChildMain.RESULT)) {
                        return Tally.decode(line.substring(ChildMain.RESULT.length()));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("child " + index + ": " + e.getMessage(), e);
            }
            throw new IllegalStateException("child " + index + " exited (code "
                    + (process.isAlive() ? "?" : process.exitValue()) + ") before answering");
        }
    }
}
