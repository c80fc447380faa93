package org.greygate.spf;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * <p>Thread-safe: each check keeps its own counters.
 */
public final class SpfEvaluator {
  static final int LOOKUP_LIMIT = 10;
  static final int VOID_LIMIT = 2;
  static final int MX_LIMIT = 10;
  static final int PTR_LIMIT = 10;
  private static final long MAX_TTL = 3600;

  private final Lookups dns;

  public SpfEvaluator(Lookups dns) {
    this.dns = dns;
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
    Check c = new Check(ip, new MacroExpander.Values(s, local, senderDomain, ip, h));
    return c.host(domain.toLowerCase(Locale.ROOT))
        .thenApply(r -> new SpfVerdict(r, Math.min(c.ttl, MAX_TTL), c.detail, c.broad));
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

  /** One evaluation, includes and redirects included: the shared limits and the TTL seen. */
  private final class Check {
    final IpAddress ip;
    final InetAddress inet;
    final MacroExpander.Values values;
    int lookups;
    int voids;
    long ttl = Long.MAX_VALUE;
    String detail = "";
    boolean broad;

    Check(IpAddress ip, MacroExpander.Values values) {
      this.ip = ip;
      this.values = values;
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
      return dns.txt(domain)
          .handle(
              (answer, error) -> {
                if (error != null) {
                  detail = "TXT " + domain + ": " + message(error);
                  return done(SpfResult.TEMPERROR);
                }
                seen(answer);
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
                if (t instanceof IllegalArgumentException) {
                  detail = domain + ": " + t.getMessage();
                  return SpfResult.PERMERROR;
                }
                throw new java.util.concurrent.CompletionException(t);
              });
    }

    /** The directives from {@code i} on, then the redirect, then neutral. */
    CompletionStage<SpfResult> evaluate(String domain, SpfRecord record, int i) {
      if (i == record.directives().size()) {
        if (record.redirect() == null) {
          detail = domain + ": nothing matched";
          return done(SpfResult.NEUTRAL);
        }
        count(domain, "redirect=" + record.redirect());
        String target = MacroExpander.expandDomain(record.redirect(), domain, values);
        return host(target.toLowerCase(Locale.ROOT))
            .thenApply(
                r -> {
                  if (r == SpfResult.NONE) {
                    throw new PermError(domain + ": redirect to " + target + ", which has no SPF");
                  }
                  return r;
                });
      }
      SpfRecord.Directive d = record.directives().get(i);
      if (d.countsLookup()) count(domain, d.text());
      return matches(domain, d)
          .thenCompose(
              hit -> {
                if (hit) {
                  detail = domain + ": " + d.text();
                  // an include's own record said which of its mechanisms matched
                  if (d.mechanism() != SpfRecord.Mechanism.INCLUDE) broad = broad(d);
                  return done(SpfResult.ofQualifier(d.qualifier()));
                }
                return evaluate(domain, record, i + 1);
              });
    }

    CompletionStage<Boolean> matches(String domain, SpfRecord.Directive d) {
      switch (d.mechanism()) {
        case ALL:
          return done(true);
        case IP4:
        case IP6:
          return done(
              ip.isV4() == (d.mechanism() == SpfRecord.Mechanism.IP4)
                  && ip.within(d.network(), ip.isV4() ? d.cidr4() : d.cidr6()));
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
            return dns.mx(target)
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
            return dns.ipv4(target)
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
      CompletionStage<Answer<InetAddress>> q = ip.isV4() ? dns.ipv4(name) : dns.ipv6(name);
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
      return dns.ptr(inet)
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
                          : ip.isV4() ? dns.ipv4(name) : dns.ipv6(name);
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

    private <T> Answer<T> required(Answer<T> a, Throwable e, String what) {
      if (e != null) throw new TempError(what + ": " + message(e));
      seen(a);
      if (a.isEmpty()) voided(what);
      return a;
    }

    private String target(String domain, SpfRecord.Directive d) {
      if (d.domainSpec() == null) return domain;
      return MacroExpander.expandDomain(d.domainSpec(), domain, values).toLowerCase(Locale.ROOT);
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
