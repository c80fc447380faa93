package org.greygate.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * How the common kinds of setting are read from text. Only the form is checked here (a number is a
 * number); what a value means, its range say, is checked where the package builds its configuration
 * from them, which names the setting.
 */
public final class Values {
  private Values() {}

  /** Text as given. */
  public static final Setting.Parser<String> TEXT = t -> t;

  /** A whole number, as the command line has always read them. */
  public static final Setting.Parser<Long> LONG =
      t -> {
        try {
          return Long.valueOf(t);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + t + "' is not a long");
        }
      };

  /** A whole number that fits 32 bits. */
  public static final Setting.Parser<Integer> INT =
      t -> {
        try {
          return Integer.valueOf(t);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + t + "' is not an int");
        }
      };

  /** A number with a fraction, e.g. a factor. */
  public static final Setting.Parser<Double> DOUBLE =
      t -> {
        try {
          return Double.valueOf(t);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + t + "' is not a double");
        }
      };

  /** A file or directory name; whether it exists is for its user to find out. */
  public static final Setting.Parser<Path> PATH =
      t -> {
        try {
          return Path.of(t);
        } catch (InvalidPathException e) {
          throw new IllegalArgumentException("'" + t + "' is not a path: " + e.getReason());
        }
      };

  /** Octal permission bits such as 0660. */
  public static final Setting.Parser<Integer> OCTAL_MODE =
      t -> {
        try {
          int mode = Integer.parseInt(t.strip(), 8);
          if (mode >= 0 && mode <= 0777) return mode;
        } catch (NumberFormatException e) {
          // below
        }
        throw new IllegalArgumentException("'" + t + "' is not an octal mode like 0660");
      };
}
