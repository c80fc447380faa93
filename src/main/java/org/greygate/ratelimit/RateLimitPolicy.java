package org.greygate.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.greygate.config.Durations;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyContext;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.TripletStore;
import org.greygate.store.WindowCount;

/**
 * Counts each message (at END-OF-MESSAGE or DATA; recipient_domain rules recipient by recipient at
 * RCPT) in every rule that applies, in the store's sliding windows, and answers the strictest
 * action of the rules whose limit it passes.
 *
 * <p>Semantics, exact under concurrency: a rule whose action refuses (DEFER, REJECT) counts a
 * message only while the sum stays within its limit, atomically in the store, so two messages can
 * never both take the last place. A rule that lets the message through (HOLD, WARN) always counts
 * it, and hits once the sum passes its limit. When the strictest hit refuses, the message is taken
 * back out of every rule that counted it: a refused message is counted nowhere. A request without
 * the rule's key (no sasl_username, say) is not counted by that rule.
 */
public final class RateLimitPolicy implements Policy {
  private final Supplier<RateRules> rules;
  private final TripletStore store;

  public RateLimitPolicy(Supplier<RateRules> rules, TripletStore store) {
    this.rules = rules;
    this.store = store;
  }

  /** One rule applied to this request: its counter key, the amount and this key's limit. */
  private record Applied(RateRule rule, String value, String counter, long amount, long limit) {}

  /** A rule's verdict on this request. */
  private record Result(Applied applied, WindowCount count, boolean hit) {}

  @Override
  public CompletionStage<Optional<Outcome>> evaluate(PolicyContext context) {
    RateRules current = rules.get();
    if (current.isEmpty()) return NO_OPINION;
    PolicyRequest r = context.request();
    String state = r.protocolState() == null ? "" : r.protocolState().toUpperCase(Locale.ROOT);
    boolean perMessage = state.equals("END-OF-MESSAGE") || state.equals("DATA");
    boolean perRecipient = state.equals("RCPT");
    if (!perMessage && !perRecipient) return NO_OPINION;
    List<Applied> applied = new ArrayList<>();
    boolean perMessageSkipped = false;
    for (RateRule rule : current.rules()) {
      if (rule.key().perRecipient() != perRecipient) {
        perMessageSkipped |= perRecipient;
        continue;
      }
      String value = rule.key().value(r);
      if (value == null || current.exempt(rule.key(), value)) continue;
      long amount = amount(rule.count(), r);
      if (amount <= 0) continue;
      applied.add(
          new Applied(rule, value, rule.counterKey(value), amount, current.limit(rule, value)));
    }
    if (perMessageSkipped) context.placement().perMessageLimitAtRcpt();
    if (applied.isEmpty()) return NO_OPINION;
    long now = context.now();
    CompletionStage<List<Result>> all = CompletableFuture.completedFuture(new ArrayList<>());
    for (Applied a : applied) {
      all =
          all.thenCompose(
              results -> {
                RateRule rule = a.rule();
                long limit = rule.action().refuses() ? a.limit() : Long.MAX_VALUE;
                return store
                    .addToWindow(a.counter(), now, rule.windowSeconds(), a.amount(), limit)
                    .thenApply(
                        c -> {
                          boolean hit = !c.counted() || c.sum() > a.limit();
                          results.add(new Result(a, c, hit));
                          return results;
                        });
              });
    }
    return all.thenCompose(results -> decide(results, now));
  }

  private CompletionStage<Optional<Outcome>> decide(List<Result> results, long now) {
    Result strictest = null;
    for (Result x : results) {
      if (x.hit()
          && (strictest == null
              || x.applied().rule().action().compareTo(strictest.applied().rule().action()) > 0)) {
        strictest = x;
      }
    }
    if (strictest == null) return NO_OPINION;
    Outcome outcome = outcome(strictest, results);
    if (!strictest.applied().rule().action().refuses()) {
      return Policy.answer(outcome);
    }
    // refused: counted nowhere
    CompletionStage<Void> undo = CompletableFuture.completedFuture(null);
    for (Result x : results) {
      if (!x.count().counted()) continue;
      Applied a = x.applied();
      undo =
          undo.thenCompose(
              v ->
                  store
                      .addToWindow(a.counter(), now, a.rule().windowSeconds(), -a.amount(), 0)
                      .thenApply(c -> null));
    }
    return undo.thenApply(v -> Optional.of(outcome));
  }

  private static Outcome outcome(Result hit, List<Result> results) {
    RateRule rule = hit.applied().rule();
    // what the count would be with this message: for a refusing rule it was not added
    long count =
        hit.count().counted() ? hit.count().sum() : hit.count().sum() + hit.applied().amount();
    List<String> fields = new ArrayList<>();
    fields.add("rule=" + rule.name());
    fields.add("key=" + hit.applied().value());
    fields.add("count=" + count);
    fields.add("limit=" + hit.applied().limit());
    fields.add("window=" + window(rule.windowSeconds()));
    StringBuilder also = new StringBuilder();
    for (Result x : results) {
      if (x.hit() && x != hit) {
        if (also.length() > 0) also.append('+');
        also.append(x.applied().rule().name());
      }
    }
    if (also.length() > 0) fields.add("also=" + also);
    Outcome.Note note =
        new Outcome.Note("ratelimit", RateLimitReasons.LIMIT.member(rule.name()), null, fields);
    String text = rule.text();
    return switch (rule.action()) {
      case WARN ->
          new Outcome.Warn(text == null ? "rate limit " + rule.name() + " passed" : text, note);
      case HOLD ->
          new Outcome.Hold(
              text == null ? "held for review: rate limit " + rule.name() : text, note);
      case DEFER ->
          new Outcome.Defer(
              "DEFER", text == null ? "4.7.1 rate limit reached, try again later" : text, note);
      case REJECT ->
          new Outcome.Reject("REJECT", text == null ? "5.7.1 rate limit reached" : text, note);
    };
  }

  /** 600 -> 10m, 3600 -> 1h, 86400 -> 1d, 90 -> 90s: a window as the rules file writes it. */
  public static String window(long seconds) {
    return Durations.text(seconds);
  }

  private static long amount(RateRule.Count count, PolicyRequest r) {
    return switch (count) {
      case MESSAGES -> 1;
      case RECIPIENTS ->
          r.protocolState().equalsIgnoreCase("RCPT") ? 1 : number(r.get("recipient_count"));
      case BYTES -> number(r.get("size"));
    };
  }

  private static long number(String v) {
    if (v == null || v.isEmpty()) return 0;
    try {
      return Math.max(0, Long.parseLong(v));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
