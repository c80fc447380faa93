package org.greygate.ratelimit;

/**
 * One line of the rules file: count {@code count} per {@code key} over {@code windowSeconds}; past
 * {@code limit}, answer {@code action}.
 *
 * @param line where it was written ({@code FILE:LINE}), for log lines and errors
 */
public record RateRule(
    String name,
    KeySpec key,
    Count count,
    long limit,
    long windowSeconds,
    Action action,
    String text,
    String line) {

  /** What a rule adds up for each message. */
  public enum Count {
    /** One per message. */
    MESSAGES,
    /** The message's recipient_count. */
    RECIPIENTS,
    /** The message's size. */
    BYTES
  }

  /** What a passed limit answers, least strict first: when several rules hit, the last wins. */
  public enum Action {
    /** Logged and counted; the message goes through. */
    WARN,
    /** Accepted into Postfix's hold queue, for review. */
    HOLD,
    /** 4xx: try again later. */
    DEFER,
    /** 5xx: refused. */
    REJECT;

    /** DEFER and REJECT refuse the message: it is not counted anywhere. */
    public boolean refuses() {
      return this == DEFER || this == REJECT;
    }
  }

  /** The store key of this rule's counter for {@code value}. */
  String counterKey(String value) {
    return "rate/" + name + "/" + value;
  }
}
