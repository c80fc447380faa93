package org.greygate.dnslist;

import static org.greygate.config.InvalidSetting.check;

import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/** The DNS allow and block lists, declared once. */
public final class DnsListSettings {
  private DnsListSettings() {}

  static final String GROUP = "Smarter greylisting";

  public static final Setting<List<DnsList>> DNSWL =
      Setting.list(
              "dnswl",
              "ZONE[=SCORE]",
              t -> DnsList.parse(t, true),
              "A DNS allow list, e.g. list.dnswl.org (repeatable): a client listed there scores"
                  + " SCORE (default 1) towards --skip-score.")
          .inGroup(GROUP);

  public static final Setting<List<DnsList>> DNSBL =
      Setting.list(
              "dnsbl",
              "ZONE[=SCORE]",
              t -> DnsList.parse(t, false),
              "A DNS block list, e.g. zen.spamhaus.org (repeatable): a listing takes SCORE"
                  + " (default 1) off the client's allow-list score; see also"
                  + " --greylist-only-listed.")
          .inGroup(GROUP);

  public static final Setting<Integer> SKIP_SCORE =
      Setting.value(
              "skip-score",
              "N",
              1,
              Values.INT,
              "A client whose allow-list score, less its block-list score, reaches N passes"
                  + " without greylisting.")
          .inGroup(GROUP);

  public static final Setting<Boolean> GREYLIST_ONLY_LISTED =
      Setting.flag(
              "greylist-only-listed",
              "Greylist only clients on a --dnsbl list or without a name (no PTR); pass the"
                  + " others.")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL =
      List.of(DNSWL, DNSBL, SKIP_SCORE, GREYLIST_ONLY_LISTED);

  /**
   * The lists of {@code s}.
   *
   * @throws org.greygate.config.InvalidSetting naming the setting
   */
  public static DnsListConfig config(Settings s) {
    List<DnsList> lists = new ArrayList<>(s.get(DNSWL));
    lists.addAll(s.get(DNSBL));
    int skip = s.get(SKIP_SCORE);
    check(skip >= 1, SKIP_SCORE.name(), "must be >= 1, got " + skip);
    check(
        !s.get(GREYLIST_ONLY_LISTED) || !s.get(DNSBL).isEmpty(),
        GREYLIST_ONLY_LISTED.name(),
        "needs at least one --dnsbl to tell listed clients");
    return new DnsListConfig(lists, skip, s.get(GREYLIST_ONLY_LISTED));
  }
}
