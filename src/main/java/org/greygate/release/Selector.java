package org.greygate.release;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Durations;
import org.greygate.greylist.SenderNormalizer;
import org.greygate.inet.Cidr;
import org.greygate.inet.IpAddress;
import org.greygate.logline.TerminalText;

/**
 * Which waiting triplets a listing or a release means. Every value is one word of printable
 * characters (at most {@link #MAX_VALUE} of them): what is refused never reaches a log line, a
 * request file or a terminal.
 *
 * @param sender an address or {@code @domain} as given; null: any
 * @param keyedSender {@code sender} as the daemon keys it (normalised once, then ASCII letters in
 *     lower case, as {@code TripletKeys} does): what rows are compared with
 * @param recipient an address or {@code @domain}, ASCII letters in lower case; null: any
 * @param client an address or a network; null: any
 * @param since only triplets first seen at or after this epoch second; null: any
 * @param all whether the caller asked for everything explicitly ({@code --all})
 */
public record Selector(
    String sender, String keyedSender, String recipient, Cidr client, Long since, boolean all) {
  /** The longest value accepted. */
  public static final int MAX_VALUE = 320;

  /** Nothing selected: every waiting triplet. */
  public static final Selector ANY = new Selector(null, null, null, null, null, false);

  /**
   * Parses the selectors as a user gives them.
   *
   * @param since a duration back from {@code now} ({@code 2h}) or an instant ({@code
   *     2026-12-07T06:00:00Z})
   * @throws IllegalArgumentException naming the selector and what is wrong with it
   */
  public static Selector parse(
      String sender, String recipient, String client, String since, boolean all, long now) {
    String given = address("sender", sender);
    // normalised from the text as given, once: the daemon folds the case after normalising
    // ("PRVS=..." is not unwrapped), and normalising twice is not the same as once
    String keyed =
        given == null
            ? null
            : given.startsWith("@")
                ? asciiLower(given)
                : asciiLower(SenderNormalizer.normalize(given));
    return new Selector(
        given,
        keyed,
        recipient == null ? null : asciiLower(address("recipient", recipient)),
        client == null ? null : cidr(word("client", client)),
        since == null ? null : since(word("since", since), now),
        all);
  }

  /** Whether anything narrows the selection. */
  public boolean narrows() {
    return sender != null || recipient != null || client != null || since != null;
  }

  /** Whether it names one exact triplet: a client address, a sender and a recipient address. */
  public boolean exact() {
    return client != null
        && client.prefix() == client.network().bits()
        && sender != null
        && !sender.startsWith("@")
        && recipient != null
        && !recipient.startsWith("@");
  }

  /** Whether {@code w} is selected. */
  public boolean matches(Waiting w) {
    if (since != null && w.firstSeen() < since) return false;
    if (sender != null && !matchesAddress(keyedSender, w.sender())) return false;
    if (recipient != null && !matchesAddress(recipient, w.recipient())) return false;
    if (client != null) {
      if (w.network() == null) return false; // grouped by sender domain: no client in the key
      // either range holds the other's start: a client's address falls in the key's network, or
      // a network asked for holds the key's network
      if (!client.contains(w.network()) && !client.network().within(w.network(), w.prefix())) {
        return false;
      }
    }
    return true;
  }

  private static boolean matchesAddress(String selector, String keyed) {
    if (selector.startsWith("@")) return keyed.endsWith(selector);
    return keyed.equals(selector);
  }

  /** For the log and messages: {@code sender=@example.org client=192.0.2.0/24}, or {@code all}. */
  public String describe() {
    List<String> out = new ArrayList<>();
    if (sender != null) out.add("sender=" + sender);
    if (recipient != null) out.add("recipient=" + recipient);
    if (client != null) out.add("client=" + client);
    if (since != null) out.add("since=" + Instant.ofEpochSecond(since));
    if (out.isEmpty()) return all ? "all" : "(no selector)";
    return String.join(" ", out);
  }

  /** The request-file lines that {@link #fromLines} reads back. */
  List<String> toLines() {
    List<String> out = new ArrayList<>();
    if (sender != null) out.add("sender=" + sender);
    if (recipient != null) out.add("recipient=" + recipient);
    if (client != null) out.add("client=" + client);
    if (since != null) out.add("since=" + Instant.ofEpochSecond(since));
    if (all) out.add("all=true");
    return out;
  }

  /**
   * Reads request-file lines ({@code NAME=VALUE}), validating each value as {@link #parse} does.
   *
   * @throws IllegalArgumentException on an unknown name, a repeated one, or a bad value
   */
  static Selector fromLines(List<String> lines, long now) {
    String sender = null, recipient = null, client = null, since = null;
    boolean all = false;
    for (String line : lines) {
      if (line.isEmpty()) continue;
      int eq = line.indexOf('=');
      if (eq < 0) throw new IllegalArgumentException("not NAME=VALUE: " + shown(line));
      String name = line.substring(0, eq);
      String value = line.substring(eq + 1);
      switch (name) {
        case "sender" -> sender = once(name, sender, value);
        case "recipient" -> recipient = once(name, recipient, value);
        case "client" -> client = once(name, client, value);
        case "since" -> since = once(name, since, value);
        case "all" -> all = "true".equals(value);
        default -> throw new IllegalArgumentException("unknown selector " + shown(name));
      }
    }
    return parse(sender, recipient, client, since, all, now);
  }

  private static String once(String name, String before, String value) {
    if (before != null) throw new IllegalArgumentException(name + " given twice");
    return value;
  }

  private static String address(String name, String value) {
    if (value == null) return null;
    String v = word(name, value);
    if (v.startsWith("@") && (v.length() == 1 || v.indexOf('@', 1) >= 0)) {
      throw new IllegalArgumentException(
          "--" + name + " " + shown(value) + ": give an address or @domain");
    }
    return v;
  }

  /** A-Z folded only, as the daemon's keys are (Postgrey folds bytes in the C locale). */
  static String asciiLower(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }
    return b.toString();
  }

  private static String word(String name, String value) {
    if (value.isEmpty() || value.length() > MAX_VALUE) {
      throw new IllegalArgumentException(
          "--" + name + " must be 1 to " + MAX_VALUE + " characters, got " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c == 0x7f || TerminalText.control(c) || Character.isWhitespace(c)) {
        throw new IllegalArgumentException(
            "--" + name + " " + shown(value) + ": one word without spaces or control characters");
      }
    }
    return value;
  }

  private static Cidr cidr(String value) {
    try {
      if (value.indexOf('/') >= 0) return Cidr.parse(value);
      IpAddress a = IpAddress.parse(value);
      return new Cidr(a, a.bits());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "--client " + shown(value) + ": give an address or a network (192.0.2.0/24)");
    }
  }

  private static long since(String value, long now) {
    try {
      return Instant.parse(value).getEpochSecond();
    } catch (DateTimeParseException notAnInstant) {
      try {
        return now - Durations.seconds(value, 0, 100L * 365 * 86_400);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--since "
                + shown(value)
                + ": give a duration back from now (90m, 2h, 1d) or an instant"
                + " (2026-12-07T06:00:00Z)");
      }
    }
  }

  private static String shown(String s) {
    String v = TerminalText.visible(s.length() > 80 ? s.substring(0, 80) + "..." : s);
    return "'" + v + "'";
  }
}
