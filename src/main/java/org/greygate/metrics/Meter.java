package org.greygate.metrics;

import java.util.List;

/**
 * A meter a feature declares for itself (the DNS lists' answers, the queue watch's queue sizes):
 * its exported name, help and label names. A feature declares it once ({@link Metrics#declare},
 * when it is installed) and feeds it with {@link Metrics#add} or {@link Metrics#set}; the metrics
 * package knows no feature. Compared by identity: declare each meter once, as a constant.
 */
public final class Meter {
  /** How the value moves. */
  public enum Kind {
    /** Only goes up: events. */
    COUNTER,
    /** Set to the last reading. */
    GAUGE
  }

  private final String name;
  private final String help;
  private final Kind kind;
  private final List<String> labels;

  private Meter(String name, String help, Kind kind, List<String> labels) {
    if (!name.matches("greygate_[a-z_]+")) {
      throw new IllegalArgumentException("a meter's name is greygate_ and lower case: " + name);
    }
    if (kind == Kind.COUNTER && !name.endsWith("_total")) {
      throw new IllegalArgumentException("a counter's name ends in _total: " + name);
    }
    this.name = name;
    this.help = help;
    this.kind = kind;
    this.labels = List.of(labels.toArray(String[]::new));
  }

  public static Meter counter(String name, String help, String... labels) {
    return new Meter(name, help, Kind.COUNTER, List.of(labels));
  }

  public static Meter gauge(String name, String help, String... labels) {
    return new Meter(name, help, Kind.GAUGE, List.of(labels));
  }

  public String name() {
    return name;
  }

  public String help() {
    return help;
  }

  public Kind kind() {
    return kind;
  }

  public List<String> labels() {
    return labels;
  }

  @Override
  public String toString() {
    return name;
  }
}
