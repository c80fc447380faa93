package org.greygate.protocol;

import java.util.List;

/**
 * What a policy answers, and why. Every variant is one access(5) action; {@link PolicyReply} is the
 * only place that turns one into wire bytes. The {@link Note} says why, for the decision log line
 * and the counters, and never reaches Postfix.
 *
 * <p>Texts are kept as given; the encoder makes them safe for the wire (no CR/LF can end a reply
 * early).
 */
public sealed interface Outcome {
  Note note();

  /**
   * What Postfix is told, in one lower-case word: {@code dunno}, {@code ok}, {@code prepend},
   * {@code defer}, {@code reject}, {@code hold}, {@code discard}, {@code warn}. The outcome
   * dimension of metrics and persisted counters (with the note's reason).
   */
  default String kind() {
    return Kinds.KIND.get(getClass()); // once per class, not once per request
  }

  /** The kind of each outcome class, computed once. */
  final class Kinds {
    static final ClassValue<String> KIND =
        new ClassValue<>() {
          @Override
          protected String computeValue(Class<?> type) {
            return type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
          }
        };

    private Kinds() {}
  }

  /** The same answer with another note (e.g. the configured fail-open answer, noted as such). */
  Outcome withNote(Note note);

  /** {@code DUNNO}: no opinion, Postfix goes on with its next restriction. */
  record Dunno(Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Dunno(n);
    }
  }

  /** {@code OK}: accept, skipping the restrictions after this one. */
  record Ok(Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Ok(n);
    }
  }

  /** {@code PREPEND header}: accept and add a header line, e.g. {@code X-Greylist: ...}. */
  record Prepend(String header, Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Prepend(header, n);
    }
  }

  /**
   * A temporary refusal: {@code DEFER_IF_PERMIT}, {@code DEFER_IF_REJECT}, {@code DEFER} or a 4NN
   * code, with optional text.
   */
  record Defer(String verb, String text, Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Defer(verb, text, n);
    }
  }

  /** A permanent refusal: {@code REJECT} or a 5NN code, with optional text. */
  record Reject(String verb, String text, Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Reject(verb, text, n);
    }
  }

  /** {@code HOLD}: accept into Postfix's hold queue, for a person to release or delete. */
  record Hold(String text, Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Hold(text, n);
    }
  }

  /** {@code DISCARD}: claim delivery, then drop the message. */
  record Discard(String text, Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Discard(text, n);
    }
  }

  /** {@code WARN text}: Postfix logs a warning and goes on as with {@code DUNNO}. */
  record Warn(String text, Note note) implements Outcome {
    @Override
    public Outcome withNote(Note n) {
      return new Warn(text, n);
    }
  }

  /**
   * Why an outcome was chosen, in Postgrey's log words: {@code action=greylist, reason=early-retry
   * (42s missing), delay=312}.
   *
   * @param action the log's {@code action=} ({@code greylist}, {@code pass}, ...), also the
   *     counters' outcome
   * @param reason a stable reason ({@code new}, {@code early-retry}, {@code triplet found}, ...),
   *     the counters' reason
   * @param detail shown after the reason in parentheses, or {@code null}
   * @param fields extra {@code name=value} log fields in order, such as {@code delay=312}
   */
  record Note(String action, String reason, String detail, List<String> fields) {
    public Note {
      fields = List.copyOf(fields);
    }

    public static Note of(String action, String reason) {
      return new Note(action, reason, null, List.of());
    }

    public static Note of(String action, String reason, String detail) {
      return new Note(action, reason, detail, List.of());
    }

    /** The reason as the log shows it: {@code early-retry (42s missing)}. */
    public String reasonText() {
      return detail == null ? reason : reason + " (" + detail + ")";
    }
  }
}
