package org.greygate.greylist;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.greygate.policy.ContextKey;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.GreylistHints;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyContext;
import org.greygate.policy.RcptCheck;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.TripletRule;
import org.greygate.store.TripletStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Greylisting as two policies of the chain, {@link #clientAwl()} then {@link #greylist()}, sharing
 * one store step per request: the triplet row and the client's auto-whitelist row are read and
 * updated in a single atomic call ({@link TripletRule}), which both policies then read.
 *
 * <p>Thread-safe if the store is. A decision depends only on the request, its time, and the store.
 */
public final class Greylisting {
  private static final Logger log = LoggerFactory.getLogger(Greylisting.class);
  private static final DateTimeFormatter HEADER_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss zzz", Locale.ROOT);

  /** The one store step of a request, read by both policies. */
  private static final ContextKey<CompletionStage<TripletRule.Result>> STEP =
      ContextKey.named("triplet step");

  private final GreylistConfig config;
  private final TripletStore store;
  private final TripletKeys keys;
  private final TripletRule rules;
  private final RecentInstances instances;
  private final ZoneId zone;
  private final String version;
  private final boolean textNamesDomain;

  /** Whether the store keeps a unit's rows together (then each decision names its units). */
  private final boolean units;

  public Greylisting(
      GreylistConfig config,
      TripletStore store,
      KeyHasher hasher,
      RecentInstances instances,
      ZoneId zone,
      String version) {
    this.config = config;
    this.store = store;
    this.keys = new TripletKeys(config, hasher);
    this.rules = config.tripletRule();
    this.instances = instances;
    this.zone = zone;
    this.version = version;
    this.textNamesDomain = config.greylistText().contains("%r");
    this.units = store.groupsRowsByUnit();
  }

  public GreylistConfig config() {
    return config;
  }

  /** The policies in chain order: the auto-whitelist only when it is on. */
  public List<Policy> policies() {
    return rules.awl() ? List.of(clientAwl(), greylist()) : List.of(greylist());
  }

  /** Passes a client that passed greylisting often enough ({@code awlClients}). */
  public Policy clientAwl() {
    return context -> {
      Optional<RcptCheck> rcpt = RcptCheck.of(context);
      if (rcpt.isEmpty() || !rules.awl()) return Policy.NO_OPINION;
      GreylistHints hints = GreylistHints.find(context);
      if (hints != null && hints.autoWhitelistOff()) return Policy.NO_OPINION;
      return step(context, rcpt.get())
          .thenApply(
              r ->
                  r.kind() == TripletRule.Kind.AWL_PASS
                      ? Optional.of(new Outcome.Dunno(GreylistReasons.CLIENT_AWL.note("pass")))
                      : Optional.empty());
    };
  }

  /** Greylists a triplet until it is retried after the delay. */
  public Policy greylist() {
    return context -> {
      Optional<RcptCheck> rcpt = RcptCheck.of(context);
      if (rcpt.isEmpty()) return Policy.NO_OPINION;
      return step(context, rcpt.get())
          .thenApply(
              r -> Optional.of(outcome(context, rcpt.get(), r, GreylistHints.find(context))));
    };
  }

  private CompletionStage<TripletRule.Result> step(PolicyContext context, RcptCheck rcpt) {
    CompletionStage<TripletRule.Result> step = context.get(STEP);
    if (step == null) {
      step = runStep(context, rcpt, GreylistHints.find(context));
      context.set(STEP, step);
    }
    return step;
  }

  private CompletionStage<TripletRule.Result> runStep(
      PolicyContext context, RcptCheck rcpt, GreylistHints hints) {
    TripletRule rule = rules;
    String triplet;
    String unit = units ? keys.unit(rcpt.client()) : null;
    String tripletUnit = unit;
    if (hints == null) {
      triplet = keys.triplet(rcpt.client(), rcpt.sender(), rcpt.recipient());
    } else {
      if (hints.clientGroup() != null) {
        triplet = keys.groupedTriplet(hints.clientGroup(), rcpt.sender(), rcpt.recipient());
        tripletUnit = units ? keys.groupUnit(hints.clientGroup()) : null;
      } else {
        triplet = keys.triplet(rcpt.client(), rcpt.sender(), rcpt.recipient());
      }
      if (hints.delay() >= 0 || hints.autoWhitelistOff()) {
        rule =
            new TripletRule(
                hints.delay() >= 0 ? hints.delay() : rule.delay(),
                rule.maxAge(),
                rule.retryWindow(),
                hints.autoWhitelistOff() ? 0 : rule.awlClients());
      }
    }
    return store.greylist(
        tripletUnit,
        triplet,
        unit,
        rule.awl() ? keys.client(rcpt.client()) : null,
        rule,
        context.now());
  }

  /** The decision line's extra fields for what the hints changed. */
  private static List<String> hinted(GreylistHints hints, List<String> fields) {
    if (hints == null) return fields;
    List<String> out = new java.util.ArrayList<>(fields);
    if (hints.clientGroup() != null) out.add("spf_group=" + hints.clientGroup());
    if (hints.delay() >= 0) out.add("domain_delay=" + hints.delay());
    return out;
  }

  private Outcome outcome(
      PolicyContext context, RcptCheck rcpt, TripletRule.Result r, GreylistHints hints) {
    PolicyRequest request = context.request();
    long now = context.now();
    if (r.newlyWhitelisted()) {
      log.info(
          "whitelisted: {}[{}]",
          DecisionLog.clean(rcpt.clientName()),
          DecisionLog.clean(request.clientAddress()));
    }
    switch (r.kind()) {
      case NEW, EARLY_RETRY -> {
        Outcome.Note note =
            r.kind() == TripletRule.Kind.NEW
                ? GreylistReasons.NEW.note("greylist", null, hinted(hints, List.of()))
                : GreylistReasons.EARLY_RETRY.note(
                    "greylist", r.missing() + "s missing", hinted(hints, List.of()));
        return new Outcome.Defer(
            config.greylistAction(), greylistText(request, rcpt.recipient(), r.missing()), note);
      }
      case PASS -> {
        if (r.firstPass() && instances.firstTime(request.instance())) {
          long waited = now - r.first();
          return new Outcome.Prepend(
              header(waited, now),
              GreylistReasons.TRIPLET_FOUND.note(
                  "pass", null, hinted(hints, List.of("delay=" + waited))));
        }
        return new Outcome.Dunno(
            hints == null
                ? GreylistReasons.TRIPLET_FOUND.note("pass")
                : GreylistReasons.TRIPLET_FOUND.note("pass", null, hinted(hints, List.of())));
      }
      case AWL_PASS -> {
        // the auto-whitelist policy answers these; reached only when it is not in the chain
        return new Outcome.Dunno(GreylistReasons.CLIENT_AWL.note("pass"));
      }
      default -> throw new IllegalStateException("unknown kind " + r.kind());
    }
  }

  private String greylistText(PolicyRequest request, String recipient, long missing) {
    String text = config.greylistText();
    // Postfix >= 2.3 always sends etrn_domain; only it understands an explicit DSN code.
    // 4.2.0 rather than 4.7.1 because some Exchange versions give up on 4.7.1.
    boolean dsn =
        request.has("etrn_domain") && (text.isEmpty() || !Character.isDigit(text.charAt(0)));
    int at = recipient.lastIndexOf('@') + 1;
    // Most answers in a wave repeat the last one (the same delay, often the same domain)
    LastText last = lastText;
    if (last != null
        && last.missing == missing
        && last.dsn == dsn
        && (last.domain == null
            || recipient.length() - at == last.domain.length()
                && recipient.regionMatches(at, last.domain, 0, last.domain.length()))) {
      return last.text;
    }
    if (dsn) {
      text = "4.2.0 " + text;
    }
    String domain = recipient.substring(at);
    String out = text.replace("%s", Long.toString(missing)).replace("%r", domain);
    lastText = new LastText(missing, dsn, textNamesDomain ? domain : null, out);
    return out;
  }

  /** The last reply text and what it was made of; {@code domain} null when the text has no %r. */
  private record LastText(long missing, boolean dsn, String domain, String text) {}

  private volatile LastText lastText;

  private String header(long waited, long now) {
    return config
        .xGreylistHeader()
        .replace("%t", Long.toString(waited))
        .replace("%v", version)
        .replace("%h", config.hostname())
        .replace("%d", HEADER_DATE.format(Instant.ofEpochSecond(now).atZone(zone)));
  }
}
