package io.chorus.config;

import java.util.List;

/**
 * Settings that are invalid: each problem names the setting, the offending value and where it came from, or the
 * unknown key or option, or the config file that cannot be read. All of them at once, not the first alone.
 */
public final class ConfigException extends Exception {

  private final List<String> problems;

  ConfigException(List<String> problems) {
    super(message(problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  private static String message(List<String> problems) {
    if (problems.size() == 1) {
      return problems.get(0);
    }
    return problems.size() + " problems in the settings:\n  " + String.join("\n  ", problems);
  }
}
