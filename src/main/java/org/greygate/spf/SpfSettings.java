package org.greygate.spf;

import java.util.List;
import org.greygate.config.Setting;

/** SPF's settings, declared once. */
public final class SpfSettings {
  private SpfSettings() {}

  public static final Setting<Boolean> SPF_GROUPING =
      Setting.flag(
              "spf-grouping",
              "Key the triplet of a client that passes SPF for the envelope sender's domain by"
                  + " that domain instead of the client's network: a retry from another address"
                  + " of the sender's pool is not greylisted again.")
          .inGroup("Smarter greylisting");

  public static final List<Setting<?>> ALL = List.of(SPF_GROUPING);
}
