package io.chorus.config;

import com.sun.management.UnixOperatingSystemMXBean;

import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Builds the one {@link ChorusConfig} of a process from, lowest to highest precedence: defaults, an optional
 * properties file, {@code CHORUS_*} environment variables and command-line flags. The only class that reads
 * the environment or the arguments.
 */
public final class ConfigLoader {

  /** Assumed where the platform does not tell its open-file limit. */
  private static final long UNKNOWN_OPEN_FILE_LIMIT = 10_240;

  /** Lines of {@code --help} fit a terminal of 80 columns, descriptions indented under their setting. */
  private static final int HELP_WIDTH = 80;
  private static final int DESCRIPTION_INDENT = 4;

  private ConfigLoader() {
  }

  /** True when the arguments ask for the settings overview instead of a server. */
  public static boolean wantsHelp(String[] args) {
    return Arrays.stream(args).anyMatch(arg -> arg.equals("--help") || arg.equals("-h"));
  }

  /** True when the arguments ask for the version instead of a server. */
  public static boolean wantsVersion(String[] args) {
    return Arrays.stream(args).anyMatch(arg -> arg.equals("--version") || arg.equals("-V"));
  }

  /** The configuration, or every problem found in the file, the environment and the flags at once. */
  public static ChorusConfig load(String[] args, Map<String, String> environment) throws ConfigException {
    EnumMap<Setting, Value> values = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      if (setting.defaultValue() != null) {
        values.put(setting, new Value(setting.defaultValue(), "default"));
      }
    }
    List<String> problems = new ArrayList<>();
    EnumMap<Setting, Value> fromEnvironment = readEnvironment(environment);
    EnumMap<Setting, Value> fromFlags = readFlags(args, problems);
    Optional<Value> file = Optional.ofNullable(fromFlags.get(Setting.CONFIG))
        .or(() -> Optional.ofNullable(fromEnvironment.get(Setting.CONFIG)));
    if (file.isPresent() && !file.get().text().isEmpty()) {
      values.putAll(readFile(file.get(), problems));
    }
    values.putAll(fromEnvironment);
    values.putAll(fromFlags);
    return ChorusConfig.from(new Settings(values, problems), openFileLimit());
  }

  /**
   * The text of {@code --help}: the ways to run Chorus, then every setting in aligned columns (its flag, which is
   * also its key in the config file, its environment variable and its one default), each described below its row.
   */
  public static String help() {
    int flagWidth = Arrays.stream(Setting.values()).mapToInt(s -> s.flag().length()).max().orElse(0) + 2;
    // One space after the longest variable keeps the longest row within 80 columns.
    int envWidth = Arrays.stream(Setting.values()).mapToInt(s -> s.env().length()).max().orElse(0) + 1;
    String row = "%-" + flagWidth + "s%-" + envWidth + "s%s%n";
    StringBuilder help = new StringBuilder()
        .append("Usage: java -jar chorus.jar [--<setting> <value> ...]    run a node\n")
        .append("       java -jar chorus.jar api-key [<name>] [<scopes>]   make an API key\n")
        .append("       java -jar chorus.jar --version | --help\n")
        .append("\n")
        .append("Each setting is a flag (--port 9000 or --port=9000), an environment variable\n")
        .append("(CHORUS_PORT=9000) or a key of the --config file (port=9000); flags override the\n")
        .append("environment, which overrides the file. A setting whose default is false is\n")
        .append("turned on by its flag alone (--cluster). Sizes take a unit (B, KiB, MiB, GiB)\n")
        .append("or are bytes; durations take one (ms, s, m, h).\n")
        .append("\n")
        .append(String.format(row, "FLAG", "ENVIRONMENT VARIABLE", "DEFAULT"));
    for (Setting setting : Setting.values()) {
      help.append(String.format(row, setting.flag(), setting.env(), setting.shownDefault()));
      wrap(setting.description(), DESCRIPTION_INDENT, HELP_WIDTH, help);
    }
    return help.toString();
  }

  /** Appends {@code text} in lines of at most {@code width} characters, each indented by {@code indent} spaces. */
  private static void wrap(String text, int indent, int width, StringBuilder out) {
    String margin = " ".repeat(indent);
    StringBuilder line = new StringBuilder(margin);
    for (String word : text.split(" ")) {
      if (line.length() > indent && line.length() + 1 + word.length() > width) {
        out.append(line).append('\n');
        line = new StringBuilder(margin);
      }
      if (line.length() > indent) {
        line.append(' ');
      }
      line.append(word);
    }
    out.append(line).append('\n');
  }

  /** The process's open-file limit ({@code ulimit -n}); sizes the default connection limit. */
  private static long openFileLimit() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return UNKNOWN_OPEN_FILE_LIMIT;
  }

  private static EnumMap<Setting, Value> readEnvironment(Map<String, String> environment) {
    EnumMap<Setting, Value> found = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String text = environment.get(setting.env());
      if (text != null) {
        found.put(setting, new Value(text, "environment variable " + setting.env()));
      }
    }
    return found;
  }

  /** The settings the flags give; what is wrong with the others goes to {@code problems}, and reading goes on. */
  private static EnumMap<Setting, Value> readFlags(String[] args, List<String> problems) {
    EnumMap<Setting, Value> found = new EnumMap<>(Setting.class);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        problems.add("unexpected argument '" + arg + "' (settings are given as --name value; see --help)");
        continue;
      }
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
      Optional<Setting> known = byKey(name);
      boolean valueFollows = equals < 0 && i + 1 < args.length && !args[i + 1].startsWith("--");
      if (known.isEmpty()) {
        problems.add("unknown option --" + name + " (" + closest(name).map(s -> "did you mean " + s.flag() + "? ")
            .orElse("") + "see --help)");
        i += valueFollows ? 1 : 0;
        continue;
      }
      Setting setting = known.get();
      String text;
      if (equals >= 0) {
        text = arg.substring(equals + 1);
      } else if (valueFollows) {
        text = args[++i];
      } else if (isFlagOnly(setting)) {
        text = "true";
      } else {
        problems.add("option " + setting.flag() + " needs a value");
        continue;
      }
      found.put(setting, new Value(text, "option " + setting.flag()));
    }
    return found;
  }

  /** The settings the config file gives; every unknown key goes to {@code problems}, and reading goes on. */
  private static EnumMap<Setting, Value> readFile(Value file, List<String> problems) {
    EnumMap<Setting, Value> found = new EnumMap<>(Setting.class);
    Properties properties = new Properties();
    Path path = Path.of(file.text());
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (NoSuchFileException e) {
      problems.add("config: no such file: " + file.text() + " (from " + file.source() + ")");
      return found;
    } catch (IOException | IllegalArgumentException e) {
      // IllegalArgumentException: a malformed Unicode escape in the file.
      problems.add("config: cannot read " + file.text() + " (from " + file.source() + "): " + e);
      return found;
    }
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      Optional<Setting> setting = byKey(key).filter(s -> s != Setting.CONFIG);
      if (setting.isEmpty()) {
        problems.add("unknown setting '" + key + "' in config file " + file.text() + " ("
            + closest(key).map(s -> "did you mean " + s.key() + "? ").orElse("") + "see --help)");
      } else {
        found.put(setting.get(), new Value(properties.getProperty(key).trim(), "config file " + file.text()));
      }
    }
    return found;
  }

  /** The setting a mistyped name most likely meant: two edits away at most (prot, welcome-mesage, max-conections). */
  private static Optional<Setting> closest(String name) {
    Setting closest = null;
    int fewest = 3;
    for (Setting setting : Setting.values()) {
      int edits = edits(name, setting.key());
      if (edits < fewest) {
        fewest = edits;
        closest = setting;
      }
    }
    return Optional.ofNullable(closest);
  }

  /** Levenshtein distance: insertions, deletions and substitutions that turn {@code a} into {@code b}. */
  private static int edits(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static boolean isFlagOnly(Setting setting) {
    return "false".equals(setting.defaultValue());
  }

  private static Optional<Setting> byKey(String key) {
    return Arrays.stream(Setting.values()).filter(s -> s.key().equals(key)).findFirst();
  }

  record Value(String text, String source) {
  }
}
