package org.greygate.policy;

import java.util.List;
import org.greygate.protocol.Outcome;

/**
 * Why a decision was made, as the decision line's {@code reason=} says it, with the {@link
 * Category} {@code greygate report} and the stats line count it under. Each policy package declares
 * the reasons it logs once, as constants of a small holder ({@code GreylistReasons}, {@code
 * WhitelistReasons}, ...) listed in one registry ({@code org.greygate.report.Reasons}); a policy
 * makes its notes from them, never from a string of its own.
 *
 * @param name the word(s) after {@code reason=}: stable, read by log parsers, metrics labels and
 *     the report (for a family, the prefix of every member)
 * @param category what the report counts a decision with this reason as
 * @param afterDelay the category when the line carries {@code delay=} (the first pass after
 *     greylisting), for the one reason that has two
 * @param family true when the reason is a prefix followed by a configured name ({@code limit RULE})
 * @param entryField the log field naming the configured entry that let the request pass ({@code
 *     whitelist}, {@code dnswl}), or null
 * @param entryList the list that entry is in, as the report names it ({@code clients}), or null
 * @param entries the field may name several entries, comma-separated
 */
public record Reason(
    String name,
    Category category,
    Category afterDelay,
    boolean family,
    String entryField,
    String entryList,
    boolean entries) {

  public Reason {
    if (name == null || name.isEmpty() || category == null || afterDelay == null) {
      throw new IllegalArgumentException("a reason needs a name and a category: " + name);
    }
  }

  /** A reason counted under {@code category}. */
  public static Reason of(String name, Category category) {
    return new Reason(name, category, category, false, null, null, false);
  }

  /** A reason counted under {@code afterDelay} when its line carries {@code delay=}. */
  public static Reason of(String name, Category category, Category afterDelay) {
    return new Reason(name, category, afterDelay, false, null, null, false);
  }

  /** Reasons {@code prefix + NAME}, one per configured name ({@code limit } + a rule's name). */
  public static Reason family(String prefix, Category category) {
    return new Reason(prefix, category, category, true, null, null, false);
  }

  /**
   * This reason, its lines naming the entry that matched in {@code field}, an entry of {@code
   * list}.
   */
  public Reason naming(String field, String list) {
    return new Reason(name, category, afterDelay, family, field, list, false);
  }

  /** As {@link #naming}, the field naming one or more entries, comma-separated. */
  public Reason namingSeveral(String field, String list) {
    return new Reason(name, category, afterDelay, family, field, list, true);
  }

  /** The category of a decision with this reason; {@code delayed}: its line carries delay=. */
  public Category category(boolean delayed) {
    return delayed ? afterDelay : category;
  }

  /** Whether a logged reason is this one (or, for a family, one of its members). */
  public boolean matches(String logged) {
    return family
        ? logged.length() > name.length() && logged.startsWith(name)
        : logged.equals(name);
  }

  /** A member of this family: {@code limit burst} for {@code burst}. */
  public String member(String configured) {
    if (!family) throw new IllegalStateException(name + " is not a family of reasons");
    return name + configured;
  }

  /** A note with this reason: {@code action=ACTION, reason=NAME}. */
  public Outcome.Note note(String action) {
    return Outcome.Note.of(action, name);
  }

  /** A note with this reason and a detail: {@code reason=NAME (DETAIL)}. */
  public Outcome.Note note(String action, String detail) {
    return Outcome.Note.of(action, name, detail);
  }

  /** A note with this reason, a detail (or null) and extra {@code name=value} fields. */
  public Outcome.Note note(String action, String detail, List<String> fields) {
    return new Outcome.Note(action, name, detail, fields);
  }

  @Override
  public String toString() {
    return name;
  }
}
