package org.greygate.queue;

/**
 * Reads one line of {@code postqueue -j}: a JSON object per message, of which the watch needs
 * {@code queue_name} and {@code message_size}. A complete reader of JSON's grammar (other members,
 * nested recipients, escapes) that keeps only those two; anything else that is not JSON is an
 * error. Nesting is bounded so a hostile line cannot exhaust the stack.
 */
final class PostqueueJson {
  /** One queued message. */
  record Entry(String queue, long size) {}

  private static final int MAX_DEPTH = 32;

  private final String s;
  private int i;

  private PostqueueJson(String s) {
    this.s = s;
  }

  /**
   * @throws IllegalArgumentException if the line is not one JSON object with a string {@code
   *     queue_name}
   */
  static Entry parse(String line) {
    PostqueueJson p = new PostqueueJson(line);
    Entry e = p.message();
    p.space();
    if (p.i != line.length()) throw p.error("text after the object");
    return e;
  }

  private Entry message() {
    space();
    expect('{');
    String queue = null;
    long size = 0;
    space();
    if (peek() == '}') {
      i++;
    } else {
      while (true) {
        space();
        String name = string();
        space();
        expect(':');
        space();
        if (name.equals("queue_name") && peek() == '"') {
          queue = string();
        } else if (name.equals("message_size") && (peek() == '-' || digit(peek()))) {
          size = number();
        } else {
          value(1);
        }
        space();
        char c = next();
        if (c == '}') break;
        if (c != ',') throw error("expected ',' or '}'");
      }
    }
    if (queue == null) throw error("no queue_name");
    return new Entry(queue, size);
  }

  private void value(int depth) {
    if (depth > MAX_DEPTH) throw error("nested too deep");
    char c = peek();
    switch (c) {
      case '"' -> string();
      case '{', '[' -> {
        i++;
        char close = c == '{' ? '}' : ']';
        space();
        if (peek() == close) {
          i++;
          return;
        }
        while (true) {
          space();
          if (c == '{') {
            string();
            space();
            expect(':');
            space();
          }
          value(depth + 1);
          space();
          char d = next();
          if (d == close) return;
          if (d != ',') throw error("expected ',' or '" + close + "'");
        }
      }
      case 't' -> word("true");
      case 'f' -> word("false");
      case 'n' -> word("null");
      default -> {
        if (c == '-' || digit(c)) number();
        else throw error("unexpected '" + c + "'");
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') return sb.toString();
      if (c < 0x20) throw error("control character in a string");
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (i + 4 > s.length()) throw error("short \\u escape");
          try {
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (NumberFormatException x) {
            throw error("bad \\u escape");
          }
          i += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  /** A JSON number; whole numbers are returned, fractions count as their whole part. */
  private long number() {
    int start = i;
    if (peek() == '-') i++;
    while (i < s.length() && (digit(s.charAt(i)) || "+-.eE".indexOf(s.charAt(i)) >= 0)) i++;
    String n = s.substring(start, i);
    try {
      return (long) Double.parseDouble(n);
    } catch (NumberFormatException e) {
      throw error("bad number '" + n + "'");
    }
  }

  private void word(String w) {
    if (!s.startsWith(w, i)) throw error("unexpected text");
    i += w.length();
  }

  private void space() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
  }

  private char peek() {
    if (i >= s.length()) throw error("line ends early");
    return s.charAt(i);
  }

  private char next() {
    char c = peek();
    i++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      i--;
      throw error("expected '" + c + "'");
    }
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at column " + (i + 1));
  }
}
