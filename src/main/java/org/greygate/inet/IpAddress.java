package org.greygate.inet;

import java.util.Arrays;

/** An IPv4 or IPv6 address. Immutable; IPv4-mapped IPv6 addresses are read as IPv4. */
public final class IpAddress {
  private final byte[] bytes;

  private IpAddress(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Parses a literal such as {@code 192.0.2.1} or {@code 2001:db8::1}; {@code null} if it is none.
   */
  public static IpAddress parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 45) {
      return null;
    }
    if (text.indexOf(':') >= 0) {
      byte[] v6 = parseV6(text);
      if (v6 == null) {
        return null;
      }
      if (isV4Mapped(v6)) {
        return new IpAddress(Arrays.copyOfRange(v6, 12, 16));
      }
      return new IpAddress(v6);
    }
    byte[] v4 = parseV4(text, 0, text.length());
    return v4 == null ? null : new IpAddress(v4);
  }

  /** From network-order bytes (4 or 16, e.g. {@code InetAddress.getAddress()}). */
  public static IpAddress ofBytes(byte[] bytes) {
    if (bytes.length != 4 && bytes.length != 16) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes");
    }
    if (bytes.length == 16 && isV4Mapped(bytes)) {
      return new IpAddress(Arrays.copyOfRange(bytes, 12, 16));
    }
    return new IpAddress(bytes.clone());
  }

  /** 32 or 128. */
  public int bits() {
    return bytes.length * 8;
  }

  public boolean isV4() {
    return bytes.length == 4;
  }

  /** A copy of the address bytes, network order. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** This address with every bit past {@code prefix} cleared. */
  public IpAddress network(int prefix) {
    if (prefix < 0 || prefix > bits()) {
      throw new IllegalArgumentException("prefix " + prefix + " out of 0.." + bits());
    }
    byte[] masked = bytes.clone();
    for (int i = 0; i < masked.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      masked[i] &= (byte) (0xff << (8 - keep));
    }
    return new IpAddress(masked);
  }

  /** True if the first {@code prefix} bits equal those of {@code network} (same family only). */
  public boolean within(IpAddress network, int prefix) {
    if (network.bytes.length != bytes.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (bytes[i] != network.bytes[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xff << (8 - rest) & 0xff;
    return (bytes[full] & mask) == (network.bytes[full] & mask);
  }

  /**
   * The form Postgrey writes into its keys: dotted quad, or eight upper-case hex groups without
   * leading zeros and without {@code ::} compression ({@code 2001:DB8:0:0:0:0:0:1}). Keeping it
   * lets a Postgrey database be imported key for key.
   */
  public String toPostgreyString() {
    if (isV4()) {
      return toString();
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 16; i += 2) {
      if (i > 0) {
        sb.append(':');
      }
      sb.append(Integer.toHexString((bytes[i] & 0xff) << 8 | bytes[i + 1] & 0xff).toUpperCase());
    }
    return sb.toString();
  }

  /** Dotted quad, or RFC 5952 text ({@code 2001:db8::1}). */
  @Override
  public String toString() {
    if (isV4()) {
      return (bytes[0] & 0xff)
          + "."
          + (bytes[1] & 0xff)
          + "."
          + (bytes[2] & 0xff)
          + "."
          + (bytes[3] & 0xff);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLength - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  private static boolean isV4Mapped(byte[] v6) {
    for (int i = 0; i < 10; i++) {
      if (v6[i] != 0) {
        return false;
      }
    }
    return (v6[10] & 0xff) == 0xff && (v6[11] & 0xff) == 0xff;
  }

  /** Strict dotted quad: four decimal parts 0..255, no leading zeros beyond "0". */
  static byte[] parseV4(String s, int from, int to) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    int digits = 0;
    for (int i = from; i <= to; i++) {
      char c = i < to ? s.charAt(i) : '.';
      if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return null; // leading zero: octal in some parsers, ambiguous, refuse
        }
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        if (++digits > 3 || value > 255) {
          return null;
        }
      } else if (c == '.') {
        if (digits == 0 || part > 3) {
          return null;
        }
        out[part++] = (byte) value;
        value = -1;
        digits = 0;
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }

  private static byte[] parseV6(String s) {
    byte[] out = new byte[16];
    int len = s.length();
    int gap = -1; // index in out where "::" stands
    int pos = 0; // bytes written
    int i = 0;
    if (s.startsWith("::")) {
      gap = 0;
      i = 2;
      if (len == 2) {
        return out;
      }
    } else if (s.charAt(0) == ':') {
      return null;
    }
    while (i < len) {
      if (pos == 16) {
        return null;
      }
      int start = i;
      int value = 0;
      while (i < len && Character.digit(s.charAt(i), 16) >= 0 && i - start < 5) {
        value = value << 4 | Character.digit(s.charAt(i), 16);
        i++;
      }
      if (i < len && s.charAt(i) == '.') {
        // embedded IPv4 in the last 32 bits
        if (pos > 12) {
          return null;
        }
        byte[] v4 = parseV4(s, start, len);
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 0, out, pos, 4);
        pos += 4;
        i = len;
        break;
      }
      int digits = i - start;
      if (digits == 0 || digits > 4) {
        return null;
      }
      out[pos++] = (byte) (value >> 8);
      out[pos++] = (byte) value;
      if (i == len) {
        break;
      }
      if (s.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i < len && s.charAt(i) == ':') {
        if (gap >= 0) {
          return null;
        }
        gap = pos;
        i++;
        if (i == len) {
          break;
        }
      } else if (i == len) {
        return null; // trailing single colon
      }
    }
    if (gap < 0) {
      return pos == 16 ? out : null;
    }
    if (pos == 16) {
      return null; // "::" must stand for at least one group
    }
    int tail = pos - gap;
    System.arraycopy(out, gap, out, 16 - tail, tail);
    Arrays.fill(out, gap, 16 - tail, (byte) 0);
    return out;
  }
}
