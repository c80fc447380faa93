package org.greygate.config;

/**
 * A configuration file that cannot be used (a whitelist, the rate-limit rules): the message names
 * the file, the line and what is wrong. At start it stops the daemon (exit 2); at a reload the
 * previous state stays in force.
 */
public class ConfigurationException extends Exception {
  public ConfigurationException(String message) {
    super(message);
  }

  public ConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
