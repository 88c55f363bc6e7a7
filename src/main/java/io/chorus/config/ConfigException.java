package io.chorus.config;

/** An invalid setting: the message names the setting, the offending value and where it came from. */
public final class ConfigException extends Exception {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
