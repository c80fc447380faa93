package org.greygate.cli;

import org.greygate.greylist.GreylistConfig;
import picocli.CommandLine;

/** Option converters: reject bad values at parse time with the reason. */
final class Converters {
  private Converters() {}

  /** Postgrey's retry window: N (days) or Nh (hours). */
  static final class RetryWindow implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      String v = value.strip();
      try {
        if (v.endsWith("h") || v.endsWith("H")) {
          return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 1)), 3600L);
        }
        return Math.multiplyExact(Long.parseLong(v), GreylistConfig.DAY);
      } catch (ArithmeticException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is too long a window");
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException(
            "'"
                + value
                + "' is not a number of days or a number of hours followed by 'h' (e.g. 6h)");
      }
    }
  }

  /** Octal permission bits such as 0660. */
  static final class OctalMode implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        int mode = Integer.parseInt(value.strip(), 8);
        if (mode < 0 || mode > 0777) {
          throw new NumberFormatException();
        }
        return mode;
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not an octal mode like 0660");
      }
    }
  }
}
