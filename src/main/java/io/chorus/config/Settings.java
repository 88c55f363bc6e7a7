package io.chorus.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed access to the merged raw settings. A value that does not parse, or that another contradicts, is
 * {@linkplain #reject rejected} and replaced by its default (or its lowest value), so that the checks go on and
 * {@link #check()} names every problem at once, each with the setting, the value and its source: an operator fixes a
 * config file in one round instead of one restart per bad key.
 */
final class Settings {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private final Map<Setting, ConfigLoader.Value> values;
  private final List<String> problems;
  private final Set<Setting> rejected = EnumSet.noneOf(Setting.class);

  /** @param problems what reading the settings found wrong already (unknown keys, an unreadable file) */
  Settings(Map<Setting, ConfigLoader.Value> values, List<String> problems) {
    this.values = values;
    this.problems = new ArrayList<>(problems);
  }

  boolean isSet(Setting setting) {
    return values.containsKey(setting);
  }

  String text(Setting setting) {
    return value(setting).text();
  }

  int integer(Setting setting, int min, int max) {
    return parsed(setting, text -> {
      try {
        int parsed = Integer.parseInt(text.trim());
        if (parsed < min || parsed > max) {
          throw new Invalid("must be between " + min + " and " + max);
        }
        return parsed;
      } catch (NumberFormatException e) {
        throw new Invalid("is not a whole number");
      }
    }, min);
  }

  boolean bool(Setting setting) {
    return parsed(setting, text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new Invalid("is not true or false");
    }, false);
  }

  /** A size in bytes: a plain number, or a number with B, KiB, MiB or GiB. */
  long size(Setting setting, long min, long max) {
    return parsed(setting, text -> {
      Matcher matcher = SIZE.matcher(text.trim());
      if (!matcher.matches()) {
        throw new Invalid("is not a size such as 65536, 64KiB or 1MiB");
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
        throw new Invalid("is too large");
      }
      if (bytes < min || bytes > max) {
        throw new Invalid("must be between " + min + " and " + max + " bytes");
      }
      return bytes;
    }, min);
  }

  /** A duration with a unit: ms, s, m or h. */
  Duration duration(Setting setting, Duration min, Duration max) {
    return parsed(setting, text -> {
      Matcher matcher = DURATION.matcher(text.trim());
      if (!matcher.matches()) {
        throw new Invalid("is not a duration such as 500ms, 25s or 2m");
      }
      long amount = Long.parseLong(matcher.group(1));
      Duration duration = switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
      if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
        throw new Invalid("must be between " + min.toMillis() + "ms and " + max.toMillis() + "ms");
      }
      return duration;
    }, min);
  }

  /** Records that the setting's value has {@code problem}; a setting's first problem is the one reported. */
  void reject(Setting setting, String problem) {
    ConfigLoader.Value value = value(setting);
    rejectUnshown(setting, "'" + value.text() + "' " + problem + " (from " + value.source() + ")");
  }

  /** As {@link #reject}, for a value that must not be shown (a secret): {@code problem} says it all. */
  void rejectUnshown(Setting setting, String problem) {
    if (rejected.add(setting)) {
      problems.add("invalid " + setting.key() + ": " + problem);
    }
  }

  /** Throws when anything was rejected or found wrong, naming every problem. */
  void check() throws ConfigException {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  /**
   * The value parsed; when it does not parse, rejected, and the default parsed in its place (or {@code fallback},
   * for a default computed at start) so that the checks that use it go on.
   */
  private <T> T parsed(Setting setting, Parser<T> parser, T fallback) {
    try {
      return parser.parse(text(setting));
    } catch (Invalid invalid) {
      reject(setting, invalid.getMessage());
      try {
        return setting.defaultValue() == null ? fallback : parser.parse(setting.defaultValue());
      } catch (Invalid defaultOutOfRange) {
        return fallback;
      }
    }
  }

  private ConfigLoader.Value value(Setting setting) {
    ConfigLoader.Value value = values.get(setting);
    if (value == null) {
      throw new IllegalStateException("no value for " + setting.key());
    }
    return value;
  }

  private interface Parser<T> {
    T parse(String text);
  }

  /** Why a text is not a value of its setting; caught within this class. */
  private static final class Invalid extends RuntimeException {
    Invalid(String problem) {
      super(problem, null, false, false);
    }
  }
}
