package org.greygate.doctor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.greygate.doctor.PostfixConfig.Service;

/**
 * The checks: Postfix's configuration against greygate's, each finding with the exact line to
 * write. Pure: what it learns of the listeners and the files comes through {@link Surroundings}.
 */
public final class Doctor {
  static final String POLICY = "check_policy_service";
  static final String END_OF_DATA = "smtpd_end_of_data_restrictions";
  static final String RECIPIENT = "smtpd_recipient_restrictions";

  /** What must come before the policy check in a list of an SMTP stage, and why. */
  private static final List<String[]> FIRST =
      List.of(
          new String[] {"permit_mynetworks", "mail from your own networks is greylisted"},
          new String[] {
            "permit_sasl_authenticated", "your own users' mail (SMTP AUTH) is greylisted"
          },
          new String[] {
            "reject_unauth_destination",
            "relay attempts reach greylisting before they are refused (an open-relay risk should"
                + " the policy answer OK)"
          },
          new String[] {
            "defer_unauth_destination",
            "relay attempts reach greylisting before they are refused (an open-relay risk should"
                + " the policy answer OK)"
          });

  private Doctor() {}

  public static List<Finding> examine(PostfixConfig pf, GreygateFacts gg, Surroundings around) {
    Set<Finding> out = new LinkedHashSet<>();
    Path queue = pf.queueDirectory();
    List<Service> services = new ArrayList<>(pf.smtpd());
    if (services.isEmpty()) services.add(null); // no master.cf read: main.cf alone
    Set<Endpoint> used = new LinkedHashSet<>();
    boolean asked = false;
    boolean askedAtEnd = false;
    for (Service s : services) {
      for (String list : PostfixConfig.LISTS) {
        boolean own = s != null && s.overrides().containsKey(list);
        String where = own ? "master.cf " + s.label() + " " + list : "main.cf " + list;
        Restrictions r = Restrictions.parse(pf.value(s, list));
        for (int i = 0; i < r.items().size(); i++) {
          Restrictions.Item item = r.items().get(i);
          if (!item.name().equals(POLICY) || item.service() == null) continue;
          Endpoint e = Endpoint.ofPostfix(item.service(), queue);
          Endpoint greygate = greygate(e, gg);
          if (greygate == null) continue;
          used.add(greygate);
          asked = true;
          askedAtEnd |= list.equals(END_OF_DATA);
          String context = item.policyContext();
          if (!gg.policySets().isEmpty()
              && context != null
              && !context.isEmpty()
              && !gg.policySets().contains(context)) {
            out.add(
                new Finding(
                    where,
                    "asks greygate with policy_context="
                        + context
                        + ", which names no policy set (declared: "
                        + String.join(", ", new java.util.TreeSet<>(gg.policySets()))
                        + "): greygate answers these requests with its default set",
                    "in greygate's configuration:   policy-set = "
                        + context
                        + ": POLICY, ...   (or give this check one of the declared names)"));
          }
          if (s != null && s.chroot() && absoluteUnix(item.service())) {
            out.add(chroot(s, item.service(), queue, e));
          }
          if (!list.equals(END_OF_DATA) && !list.equals("smtpd_data_restrictions")) {
            Finding f = order(r, i, list, where, own);
            if (f != null) out.add(f);
          }
        }
      }
    }
    if (!asked) {
      String ep =
          gg.listeners().isEmpty() ? "inet:127.0.0.1:10023" : name(gg.listeners().get(0), queue);
      String list = pf.parameters().getOrDefault(RECIPIENT, "");
      out.add(
          new Finding(
              "main.cf " + RECIPIENT,
              "Postfix never asks greygate (listening on "
                  + names(gg.listeners(), queue)
                  + "): no "
                  + POLICY
                  + " names it, so nothing is greylisted",
              RECIPIENT
                  + " = "
                  + (list.isBlank() ? "" : list + ", ")
                  + (list.contains("reject_unauth_destination")
                      ? ""
                      : "reject_unauth_destination, ")
                  + POLICY
                  + " "
                  + ep));
    }
    if (gg.endOfMessage() && !askedAtEnd) {
      String ep =
          used.isEmpty() ? name(gg.listeners().get(0), queue) : name(used.iterator().next(), queue);
      out.add(
          new Finding(
              "main.cf / master.cf " + END_OF_DATA,
              "rate limits are configured but greygate is not asked at the end of the message: at"
                  + " RCPT each recipient counts as a message, and recipients Postfix refuses later"
                  + " are counted too",
              "in master.cf, under the service your users submit through (submission):   -o "
                  + END_OF_DATA
                  + "="
                  + POLICY
                  + ","
                  + ep));
    }
    idle(pf, services, gg.idleTimeout(), out);
    if (asked
        && !pf.explicit().contains("smtpd_policy_service_default_action")
        && atLeast(pf, 3, 0)) {
      out.add(
          new Finding(
              "main.cf smtpd_policy_service_default_action",
              "not decided: while greygate is down or restarting Postfix answers \""
                  + pf.parameters().getOrDefault("smtpd_policy_service_default_action", "451 4.3.5")
                  + "\" to every message (mail waits in senders' queues); DUNNO lets it through"
                  + " ungreylisted instead",
              "smtpd_policy_service_default_action = DUNNO"));
    }
    for (Endpoint e : used) {
      String why = around.unreachable(e);
      if (why != null) {
        out.add(
            new Finding(
                e.postfixName(),
                "Postfix asks greygate here, and nothing answers: " + why,
                "start greygate (systemctl start greygate) or make its --inet/--unix match"));
      }
    }
    for (Path f : gg.files()) {
      String why = around.unreadable(f, gg.user());
      if (why != null) {
        out.add(
            new Finding(
                f.toString(),
                "the daemon"
                    + (gg.user() == null ? "" : " (user " + gg.user() + ")")
                    + " cannot read it: "
                    + why,
                gg.user() == null
                    ? "chmod a+r " + f
                    : "chgrp " + gg.user() + " " + f + " && chmod g+r " + f));
      }
    }
    return List.copyOf(out);
  }

  /** greygate's listener that Postfix asking {@code e} reaches, or null. */
  private static Endpoint greygate(Endpoint e, GreygateFacts gg) {
    if (e == null) return null;
    for (Endpoint l : gg.listeners()) if (Endpoint.same(e, l)) return l;
    return null;
  }

  private static boolean absoluteUnix(String service) {
    return service.startsWith("unix:/") || service.startsWith("/");
  }

  private static Finding chroot(Service s, String service, Path queue, Endpoint e) {
    Path p = ((Endpoint.Local) e).path();
    String fix =
        p.startsWith(queue)
            ? "check_policy_service unix:" + queue.relativize(p)
            : "serve --unix="
                + queue.resolve("private/greygate")
                + ", and in Postfix:"
                + " check_policy_service unix:private/greygate";
    return new Finding(
        "master.cf " + s.label(),
        "smtpd runs chrooted in "
            + queue
            + " (chroot column y), so it cannot reach "
            + service
            + ": every policy request fails",
        fix);
  }

  /** The policy check at {@code i} comes before a permit or the relay check it must follow. */
  private static Finding order(Restrictions r, int i, String list, String where, boolean own) {
    int after = -1;
    List<String> names = new ArrayList<>();
    List<String> why = new ArrayList<>();
    for (String[] f : FIRST) {
      int j = r.indexOf(f[0]);
      if (j > i) {
        after = Math.max(after, j);
        names.add(f[0]);
        if (!why.contains(f[1])) why.add(f[1]);
      }
    }
    if (after < 0) return null;
    String fixed = r.moveAfter(i, after).toString();
    return new Finding(
        where,
        "greygate is asked before " + r.items().get(after).name() + ": " + String.join("; ", why),
        own ? masterOverride(list, fixed) : list + " = " + fixed);
  }

  /** An {@code -o} line of master.cf; a value with spaces takes the braced form. */
  static String masterOverride(String parameter, String value) {
    return value.contains(" ")
        ? "-o { " + parameter + " = " + value + " }"
        : "-o " + parameter + "=" + value;
  }

  private static void idle(
      PostfixConfig pf, List<Service> services, Duration idle, Set<Finding> out) {
    for (Service s : services) {
      String v = pf.value(s, "smtpd_policy_service_max_idle");
      long seconds = seconds(v.isBlank() ? "300s" : v);
      if (seconds > idle.toSeconds()) {
        boolean own = s != null && s.overrides().containsKey("smtpd_policy_service_max_idle");
        out.add(
            new Finding(
                own
                    ? "master.cf " + s.label() + " smtpd_policy_service_max_idle"
                    : "main.cf smtpd_policy_service_max_idle",
                "Postfix keeps an idle policy connection "
                    + seconds
                    + " s, greygate closes it after "
                    + idle.toSeconds()
                    + " s (--idle-timeout): Postfix then writes to a closed connection and logs"
                    + " errors",
                "idle-timeout = "
                    + (seconds + 60)
                    + "   (in /etc/greygate/greygate.conf; or --idle-timeout="
                    + (seconds + 60)
                    + ")"));
      }
    }
  }

  /** A Postfix time value: a number and a unit (s, m, h, d, w; seconds when none). */
  static long seconds(String v) {
    String t = v.strip().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (!t.isEmpty() && Character.isLetter(t.charAt(t.length() - 1))) {
      unit =
          switch (t.charAt(t.length() - 1)) {
            case 'm' -> 60;
            case 'h' -> 3600;
            case 'd' -> 86_400;
            case 'w' -> 604_800;
            default -> 1;
          };
      t = t.substring(0, t.length() - 1);
    }
    try {
      return Long.parseLong(t) * unit;
    } catch (NumberFormatException e) {
      return 0; // Postfix refuses it; not ours to judge
    }
  }

  private static boolean atLeast(PostfixConfig pf, int major, int minor) {
    String v = pf.parameters().getOrDefault("mail_version", "");
    String[] p = v.split("\\.");
    try {
      int a = Integer.parseInt(p[0]);
      int b = p.length > 1 ? Integer.parseInt(p[1]) : 0;
      return a > major || a == major && b >= minor;
    } catch (NumberFormatException e) {
      return true; // an unknown version: assume a current one
    }
  }

  /** As Postfix should name it: a socket under the queue directory relative to it. */
  static String name(Endpoint e, Path queue) {
    if (e instanceof Endpoint.Local l && l.path().startsWith(queue)) {
      return "unix:" + queue.relativize(l.path());
    }
    return e.postfixName();
  }

  private static String names(List<Endpoint> es, Path queue) {
    List<String> out = new ArrayList<>();
    for (Endpoint e : es) out.add(name(e, queue));
    return String.join(", ", out);
  }
}
