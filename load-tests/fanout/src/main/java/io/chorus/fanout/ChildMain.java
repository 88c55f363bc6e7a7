package io.chorus.fanout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Entry point of a child process started by {@link ForkedEngine}: connects its share, answers
 * {@code RESULT <tally>} once connected, then runs one command per stdin line
 * ({@code STEP rate warmupMs measureMs drainMs}, {@code STATUS}, {@code EXIT}). It exits when
 * stdin closes, so a dead parent never leaves it running, and at --max-runtime at the latest.
 */
public final class ChildMain {
    static final String RESULT = "RESULT ";

    private ChildMain() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Main.enforceMaxRuntime(options.maxRuntime());
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LocalEngine engine = new LocalEngine(options, options.child())) {
            out.println(RESULT + engine.connect().encode());
            String line;
            while ((line = in.readLine()) != null && !line.equals("EXIT")) {
                String[] f = line.split(" ");
                Tally t = switch (f[0]) {
                    case "STEP" -> engine.step(Double.parseDouble(f[1]), Duration.ofMillis(Long.parseLong(f[2])),
                            Duration.ofMillis(Long.parseLong(f[3])), Duration.ofMillis(Long.parseLong(f[4])));
                    case "STATUS" -> engine.status();
                    default -> throw new IllegalArgumentException("unknown command " + f[0]);
                };
                out.println(RESULT + t.encode());
            }
        }
        System.exit(0);
    }
}
