package org.greygate.spf;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.greygate.dns.Answer;
import org.greygate.dns.Lookups;
import org.greygate.inet.IpAddress;

/**
 * RFC 7208's check_host(): may {@code ip} send mail for {@code domain}? Every DNS question is
 * asynchronous; nothing here blocks. The limits of section 4.6.4 hold: at most 10 mechanisms and
 * modifiers that ask DNS (include, a, mx, ptr, exists, redirect), at most 2 of their lookups with
 * no answer ("void"), at most 10 MX names, at most 10 PTR names looked at; past them the result is
 * permerror.
 *
 * <p>Every step of a check runs on the executor given (greygate's SPF threads), one at a time: the
 * first when the check starts, each next one when its DNS answer is there. A check therefore never
 * runs on the thread that asked for it (a network thread) nor on the DNS client's thread, even when
 * every answer is cached. Its CPU work is counted ({@link SpfWork}) and bounded: past the limit the
 * result is permerror.
 *
 * <p>Thread-safe: each check keeps its own counters.
 */
public final class SpfEvaluator {
  static final int LOOKUP_LIMIT = 10;
  static final int VOID_LIMIT = 2;
  static final int MX_LIMIT = 10;
  static final int PTR_LIMIT = 10;
  private static final long MAX_TTL = 3600;

  private final Lookups dns;
  private final Executor executor;

  /**
   * @param executor where the checks run; {@code Runnable::run} runs them on the caller's thread
   *     and on the threads that complete the lookups (tests, the one-shot {@code check} command)
   */
  public SpfEvaluator(Lookups dns, Executor executor) {
    this.dns = dns;
    this.executor = executor;
  }

  /**
   * check_host(ip, domain, sender) with {@code helo} for {@code %{h}} (and as the sender's domain
   * when the sender is empty, as section 2.4 says for bounces).
   */
  public CompletionStage<SpfVerdict> check(
      IpAddress ip, String domain, String sender, String helo) {
    String h = helo == null ? "" : helo;
    String s = sender == null || sender.isEmpty() ? "postmaster@" + h : sender;
    int at = s.lastIndexOf('@');
    String local = at > 0 ? s.substring(0, at) : "postmaster";
    String senderDomain = at >= 0 ? s.substring(at + 1) : s;
    return check(ip, domain, new MacroExpander.Values(s, local, senderDomain, ip, h), new SpfWork())
        .thenApply(c -> new SpfVerdict(c.result, Math.min(c.ttl, MAX_TTL), c.detail, c.broad));
  }

  /** check_host() with its work counted in {@code work}; the finished check. */
  CompletionStage<Check> check(
      IpAddress ip, String domain, MacroExpander.Values values, SpfWork work) {
    SerialExecutor steps = new SerialExecutor(executor);
    Check c = new Check(ip, values, work, steps);
    CompletableFuture<CompletionStage<SpfResult>> started;
    try {
      started = CompletableFuture.supplyAsync(() -> c.host(domain.toLowerCase(Locale.ROOT)), steps);
    } catch (java.util.concurrent.RejectedExecutionException full) {
      // no thread free and the queue full (or greygate stopping): no verdict, as a timeout
      return CompletableFuture.failedFuture(full);
    }
    return started
        .thenCompose(r -> r)
        .thenApply(
            r -> {
              c.result = r;
              return c;
            });
  }

  /** A record broke a rule: permerror, with the rule for the log. */
  private static final class PermError extends RuntimeException {
    PermError(String message) {
      super(message, null, false, false);
    }
  }

  /** A DNS lookup failed: temperror. */
  private static final class TempError extends RuntimeException {
    TempError(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * One evaluation, includes and redirects included: the shared limits, the work done and the TTL
   * seen. Its steps run one at a time on {@code steps}.
   */
  final class Check {
    final IpAddress ip;
    final InetAddress inet;
    final MacroExpander.Values values;
    final SpfWork work;
    final Executor steps;
    int lookups;
    int voids;
    long ttl = Long.MAX_VALUE;
    String detail = "";
    boolean broad;
    SpfResult result;

    Check(IpAddress ip, MacroExpander.Values values, SpfWork work, Executor steps) {
      this.ip = ip;
      this.values = values;
      this.work = work;
      this.steps = steps;
      try {
        this.inet = InetAddress.getByAddress(ip.toBytes());
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException(e);
      }
    }

    CompletionStage<SpfResult> host(String domain) {
      if (!validDomain(domain)) {
        detail = "not a domain: " + domain;
        return done(SpfResult.NONE);
      }
      return later(dns.txt(domain))
          .handle(
              (answer, error) -> {
                if (error != null) {
                  detail = "TXT " + domain + ": " + message(error);
                  return done(SpfResult.TEMPERROR);
                }
                seen(answer);
                work.spend(answer.values().size());
                List<String> spf = new ArrayList<>();
                for (String t : answer.values()) if (SpfRecord.isSpf1(t)) spf.add(t);
                if (spf.isEmpty()) {
                  detail = "no SPF record at " + domain;
                  return done(SpfResult.NONE);
                }
                if (spf.size() > 1) {
                  detail = "two SPF records at " + domain;
                  return done(SpfResult.PERMERROR);
                }
                SpfRecord record;
                work.record(spf.get(0).length());
                try {
                  record = SpfRecord.parse(spf.get(0));
                } catch (SpfRecord.SpfSyntaxException e) {
                  detail = domain + ": " + e.getMessage();
                  return done(SpfResult.PERMERROR);
                }
                return evaluate(domain, record, 0);
              })
          .thenCompose(x -> x)
          .exceptionally(
              e -> {
                Throwable t =
                    e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                if (t instanceof PermError) {
                  detail = t.getMessage();
                  return SpfResult.PERMERROR;
                }
                if (t instanceof TempError) {
                  detail = t.getMessage();
                  return SpfResult.TEMPERROR;
                }
                if (t instanceof SpfWork.Exceeded) {
                  detail = domain + ": " + t.getMessage();
                  return SpfResult.PERMERROR;
                }
                if (t instanceof IllegalArgumentException) {
                  detail = domain + ": " + t.getMessage();
                  return SpfResult.PERMERROR;
                }
                throw new java.util.concurrent.CompletionException(t);
              });
    }

    /**
     * The directives from {@code from} on, then the redirect, then neutral. Those that ask no DNS
     * are matched in a loop, so that a record of thousands of {@code ip4:} costs no stack.
     */
    CompletionStage<SpfResult> evaluate(String domain, SpfRecord record, int from) {
      List<SpfRecord.Directive> directives = record.directives();
      for (int i = from; i < directives.size(); i++) {
        SpfRecord.Directive d = directives.get(i);
        work.term();
        if (!d.countsLookup()) {
          if (matchesHere(d)) return done(matched(domain, d));
          continue;
        }
        count(domain, d.text());
        int next = i + 1;
        return matches(domain, d)
            .thenCompose(hit -> hit ? done(matched(domain, d)) : evaluate(domain, record, next));
      }
      if (record.redirect() == null) {
        detail = domain + ": nothing matched";
        return done(SpfResult.NEUTRAL);
      }
      work.term();
      count(domain, "redirect=" + record.redirect());
      String target = MacroExpander.expandDomain(record.redirect(), domain, values, work);
      return host(target.toLowerCase(Locale.ROOT))
          .thenApply(
              r -> {
                if (r == SpfResult.NONE) {
                  throw new PermError(domain + ": redirect to " + target + ", which has no SPF");
                }
                return r;
              });
    }

    private SpfResult matched(String domain, SpfRecord.Directive d) {
      detail = domain + ": " + d.text();
      // an include's own record said which of its mechanisms matched
      if (d.mechanism() != SpfRecord.Mechanism.INCLUDE) broad = broad(d);
      return SpfResult.ofQualifier(d.qualifier());
    }

    /** The mechanisms that ask no DNS: all, ip4, ip6. */
    private boolean matchesHere(SpfRecord.Directive d) {
      return switch (d.mechanism()) {
        case ALL -> true;
        case IP4, IP6 ->
            ip.isV4() == (d.mechanism() == SpfRecord.Mechanism.IP4)
                && ip.within(d.network(), ip.isV4() ? d.cidr4() : d.cidr6());
        default -> throw new IllegalStateException(d.mechanism().toString());
      };
    }

    CompletionStage<Boolean> matches(String domain, SpfRecord.Directive d) {
      switch (d.mechanism()) {
        case INCLUDE:
          {
            String target = target(domain, d);
            return host(target)
                .thenApply(
                    r ->
                        switch (r) {
                          case PASS -> true;
                          case FAIL, SOFTFAIL, NEUTRAL -> false;
                          case TEMPERROR -> throw new TempError(detail);
                          case PERMERROR -> throw new PermError(detail);
                          case NONE ->
                              throw new PermError(
                                  domain + ": include:" + target + " has no SPF record");
                        });
          }
        case A:
          {
            String target = target(domain, d);
            return addresses(target, true).thenApply(anyWithin(d));
          }
        case MX:
          {
            String target = target(domain, d);
            if (!validDomain(target)) return notAName("MX", target);
            return later(dns.mx(target))
                .handle((a, e) -> required(a, e, "MX " + target))
                .thenCompose(
                    a -> {
                      if (a.values().size() > MX_LIMIT) {
                        throw new PermError(
                            target + " has " + a.values().size() + " MX names, over " + MX_LIMIT);
                      }
                      List<CompletableFuture<Boolean>> each = new ArrayList<>();
                      for (String mx : a.values()) {
                        each.add(
                            addresses(mx, false).thenApply(anyWithin(d)).toCompletableFuture());
                      }
                      return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                          .thenApply(x -> each.stream().anyMatch(CompletableFuture::join));
                    });
          }
        case PTR:
          {
            String target = target(domain, d);
            return validatedNames()
                .thenApply(names -> names.stream().anyMatch(n -> under(n, target)));
          }
        case EXISTS:
          {
            String target = target(domain, d);
            if (!validDomain(target)) return notAName("A", target);
            return later(dns.ipv4(target))
                .handle((a, e) -> required(a, e, "A " + target))
                .thenApply(a -> !a.isEmpty());
          }
        default:
          throw new IllegalStateException(d.mechanism().toString());
      }
    }

    private boolean broad(SpfRecord.Directive d) {
      return switch (d.mechanism()) {
        case ALL -> true;
        case IP4, IP6, A, MX -> ip.isV4() ? d.cidr4() < 8 : d.cidr6() < 16;
        default -> false;
      };
    }

    private java.util.function.Function<Answer<InetAddress>, Boolean> anyWithin(
        SpfRecord.Directive d) {
      return a -> {
        for (InetAddress x : a.values()) {
          IpAddress n = IpAddress.ofBytes(x.getAddress());
          if (n != null
              && n.isV4() == ip.isV4()
              && ip.within(n, ip.isV4() ? d.cidr4() : d.cidr6())) {
            return true;
          }
        }
        return false;
      };
    }

    /** The A (IPv4 client) or AAAA (IPv6 client) records of {@code name}. */
    private CompletionStage<Answer<InetAddress>> addresses(String name, boolean countVoid) {
      if (!validDomain(name)) {
        if (countVoid) voided(name);
        return done(new Answer<>(List.of(), Answer.NEGATIVE_TTL));
      }
      CompletionStage<Answer<InetAddress>> q = later(ip.isV4() ? dns.ipv4(name) : dns.ipv6(name));
      return q.handle(
          (a, e) -> {
            if (e != null)
              throw new TempError((ip.isV4() ? "A " : "AAAA ") + name + ": " + message(e));
            seen(a);
            if (a.isEmpty() && countVoid) voided(name);
            return a;
          });
    }

    /** The client's names whose addresses lead back to it (section 5.5); errors: none. */
    private CompletionStage<List<String>> validatedNames() {
      return later(dns.ptr(inet))
          .handle((a, e) -> e == null ? a : new Answer<String>(List.of(), Answer.NEGATIVE_TTL))
          .thenCompose(
              a -> {
                List<String> names = a.values();
                if (a.isEmpty()) voided("PTR of " + ip);
                if (names.size() > PTR_LIMIT) names = names.subList(0, PTR_LIMIT);
                List<CompletableFuture<String>> each = new ArrayList<>();
                for (String n : names) {
                  String name = n.toLowerCase(Locale.ROOT);
                  CompletionStage<Answer<InetAddress>> q =
                      !validDomain(name)
                          ? done(new Answer<>(List.of(), Answer.NEGATIVE_TTL))
                          : later(ip.isV4() ? dns.ipv4(name) : dns.ipv6(name));
                  each.add(
                      q.handle(
                              (r, e) -> {
                                if (e != null) return null;
                                for (InetAddress x : r.values()) {
                                  if (ip.equals(IpAddress.ofBytes(x.getAddress()))) return name;
                                }
                                return null;
                              })
                          .toCompletableFuture());
                }
                return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(
                        x ->
                            each.stream()
                                .map(CompletableFuture::join)
                                .filter(s -> s != null)
                                .toList());
              });
    }

    /**
     * A target that cannot be a DNS name (an expansion whose last label alone is over 63 or 253
     * characters...): nothing to ask, so no match, counted as a lookup without an answer.
     */
    private CompletionStage<Boolean> notAName(String type, String target) {
      voided(type + " " + target + " (not a DNS name)");
      return done(false);
    }

    private <T> Answer<T> required(Answer<T> a, Throwable e, String what) {
      if (e != null) throw new TempError(what + ": " + message(e));
      seen(a);
      if (a.isEmpty()) voided(what);
      return a;
    }

    private String target(String domain, SpfRecord.Directive d) {
      if (d.domainSpec() == null) return domain;
      return MacroExpander.expandDomain(d.domainSpec(), domain, values, work)
          .toLowerCase(Locale.ROOT);
    }

    /**
     * A lookup's answer, handed to this check's steps when it comes later (on the DNS client's
     * thread); one already there (cached) is used at once, on the step that asked.
     */
    private <T> CompletionStage<T> later(CompletionStage<T> lookup) {
      CompletableFuture<T> f = lookup.toCompletableFuture();
      if (f.isDone()) return f;
      return f.whenCompleteAsync((answer, error) -> {}, steps);
    }

    private void count(String domain, String term) {
      if (++lookups > LOOKUP_LIMIT) {
        throw new PermError(
            domain
                + ": '"
                + term
                + "' is DNS lookup "
                + lookups
                + ", over the limit of "
                + LOOKUP_LIMIT);
      }
    }

    private void voided(String what) {
      if (++voids > VOID_LIMIT) {
        throw new PermError(what + ": void lookup " + voids + ", over the limit of " + VOID_LIMIT);
      }
    }

    private void seen(Answer<?> a) {
      ttl = Math.min(ttl, a.ttl());
    }
  }

  private static boolean under(String name, String domain) {
    return name.equals(domain) || name.endsWith("." + domain);
  }

  /** A multi-label name whose labels are 1 to 63 characters (a trailing dot allowed). */
  static boolean validDomain(String d) {
    String s = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    if (s.isEmpty() || s.length() > 253 || s.indexOf('.') < 0) return false;
    int label = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '.') {
        if (label == 0) return false;
        label = 0;
      } else {
        if (c <= ' ' || c > '~') return false;
        if (++label > 63) return false;
      }
    }
    return label > 0;
  }

  private static String message(Throwable e) {
    Throwable t =
        e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause()
            : e;
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
