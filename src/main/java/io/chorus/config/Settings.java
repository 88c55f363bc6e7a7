package io.chorus.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed access to the merged raw settings; every parse error names the setting, the value and its source. */
final class Settings {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private final Map<Setting, ConfigLoader.Value> values;

  Settings(Map<Setting, ConfigLoader.Value> values) {
    this.values = values;
  }

  boolean isSet(Setting setting) {
    return values.containsKey(setting);
  }

  String text(Setting setting) {
    return value(setting).text();
  }

  int integer(Setting setting, int min, int max) throws ConfigException {
    ConfigLoader.Value value = value(setting);
    try {
      int parsed = Integer.parseInt(value.text().trim());
      if (parsed < min || parsed > max) {
        throw invalid(setting, "must be between " + min + " and " + max);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw invalid(setting, "is not a whole number");
    }
  }

  boolean bool(Setting setting) throws ConfigException {
    String text = value(setting).text().trim().toLowerCase(Locale.ROOT);
    return switch (text) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw invalid(setting, "is not true or false");
    };
  }

  /** A size in bytes: a plain number, or a number with B, KiB, MiB or GiB. */
  long size(Setting setting, long min, long max) throws ConfigException {
    Matcher matcher = SIZE.matcher(value(setting).text().trim());
    if (!matcher.matches()) {
      throw invalid(setting, "is not a size such as 65536, 64KiB or 1MiB");
    }
    long unit = switch (matcher.group(2) == null ? "B" : matcher.group(2)) {
      case "KiB" -> 1L << 10;
      case "MiB" -> 1L << 20;
      case "GiB" -> 1L << 30;
      default -> 1L;
    };
    long bytes;
    try {
      bytes = Math.multiplyExact(Long.parseLong(matcher.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw invalid(setting, "is too large");
    }
    if (bytes < min || bytes > max) {
      throw invalid(setting, "must be between " + min + " and " + max + " bytes");
    }
    return bytes;
  }

  /** A duration with a unit: ms, s, m or h. */
  Duration duration(Setting setting, Duration min, Duration max) throws ConfigException {
    Matcher matcher = DURATION.matcher(value(setting).text().trim());
    if (!matcher.matches()) {
      throw invalid(setting, "is not a duration such as 500ms, 25s or 2m");
    }
    long amount = Long.parseLong(matcher.group(1));
    Duration duration = switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
    if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
      throw invalid(setting, "must be between " + min.toMillis() + "ms and " + max.toMillis() + "ms");
    }
    return duration;
  }

  ConfigException invalid(Setting setting, String problem) {
    ConfigLoader.Value value = value(setting);
    return new ConfigException(
        "invalid " + setting.key() + ": '" + value.text() + "' " + problem + " (from " + value.source() + ")");
  }

  private ConfigLoader.Value value(Setting setting) {
    ConfigLoader.Value value = values.get(setting);
    if (value == null) {
      throw new IllegalStateException("no value for " + setting.key());
    }
    return value;
  }
}
