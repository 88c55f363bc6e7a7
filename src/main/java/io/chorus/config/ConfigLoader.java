package io.chorus.config;

import com.sun.management.UnixOperatingSystemMXBean;

import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Builds the one {@link ChorusConfig} of a process from, lowest to highest precedence: defaults, an optional
 * properties file, {@code CHORUS_*} environment variables and command-line flags. The only class that reads
 * the environment or the arguments.
 */
public final class ConfigLoader {

  /** Assumed where the platform does not tell its open-file limit. */
  private static final long UNKNOWN_OPEN_FILE_LIMIT = 10_240;

  private final EnumMap<Setting, Value> values = new EnumMap<>(Setting.class);

  private ConfigLoader() {
  }

  /** True when the arguments ask for the settings overview instead of a server. */
  public static boolean wantsHelp(String[] args) {
    return Arrays.stream(args).anyMatch(arg -> arg.equals("--help") || arg.equals("-h"));
  }

  public static ChorusConfig load(String[] args, Map<String, String> environment) throws ConfigException {
    ConfigLoader loader = new ConfigLoader();
    for (Setting setting : Setting.values()) {
      if (setting.defaultValue() != null) {
        loader.values.put(setting, new Value(setting.defaultValue(), "default"));
      }
    }
    EnumMap<Setting, Value> fromEnvironment = readEnvironment(environment);
    EnumMap<Setting, Value> fromFlags = readFlags(args);
    Optional<Value> file = Optional.ofNullable(fromFlags.get(Setting.CONFIG))
        .or(() -> Optional.ofNullable(fromEnvironment.get(Setting.CONFIG)));
    if (file.isPresent() && !file.get().text().isEmpty()) {
      loader.values.putAll(readFile(file.get()));
    }
    loader.values.putAll(fromEnvironment);
    loader.values.putAll(fromFlags);
    return ChorusConfig.from(new Settings(loader.values), openFileLimit());
  }

  /** The text of {@code --help}: every setting with its flag, variable and default. */
  public static String help() {
    String settings = Arrays.stream(Setting.values())
        .map(s -> String.format("  %-28s %-30s %s%n  %-28s %-30s default: %s%n",
            s.flag() + " <value>", s.env(), s.description(), "", "",
            s.defaultValue() == null ? "computed at start" : "'" + s.defaultValue() + "'"))
        .collect(Collectors.joining());
    return "Usage: java -jar chorus.jar [--setting value ...]\n"
        + "       java -jar chorus.jar api-key [name] [scopes]   (prints a new API key and its api-keys line)\n\n"
        + "Settings (flags override CHORUS_* environment variables, which override the --config file):\n"
        + settings
        + "\nSizes take a unit (B, KiB, MiB, GiB) or are bytes; durations take a unit (ms, s, m, h).\n";
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

  private static EnumMap<Setting, Value> readFlags(String[] args) throws ConfigException {
    EnumMap<Setting, Value> found = new EnumMap<>(Setting.class);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + arg + "' (settings are given as --name value; see --help)");
      }
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
      Setting setting = byKey(name).orElseThrow(
          () -> new ConfigException("unknown option --" + name + " (see --help)"));
      String text;
      if (equals >= 0) {
        text = arg.substring(equals + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        text = args[++i];
      } else if (isFlagOnly(setting)) {
        text = "true";
      } else {
        throw new ConfigException("option " + setting.flag() + " needs a value");
      }
      found.put(setting, new Value(text, "option " + setting.flag()));
    }
    return found;
  }

  private static EnumMap<Setting, Value> readFile(Value file) throws ConfigException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(Path.of(file.text()), StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new ConfigException("config: cannot read '" + file.text() + "' (from " + file.source() + "): " + e.getMessage());
    }
    EnumMap<Setting, Value> found = new EnumMap<>(Setting.class);
    for (String key : properties.stringPropertyNames()) {
      Setting setting = byKey(key).filter(s -> s != Setting.CONFIG).orElseThrow(
          () -> new ConfigException("unknown setting '" + key + "' in config file " + file.text() + " (see --help)"));
      found.put(setting, new Value(properties.getProperty(key).trim(), "config file " + file.text()));
    }
    return found;
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
