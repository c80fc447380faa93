package org.greygate.greylist;

import java.util.List;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;

/** The reasons greylisting logs: Postgrey's words. */
public final class GreylistReasons {
  private GreylistReasons() {}

  /** A triplet seen for the first time: greylisted. */
  public static final Reason NEW = Reason.of("new", Category.GREYLISTED);

  /** Retried before the delay: greylisted again (the detail says how long is missing). */
  public static final Reason EARLY_RETRY = Reason.of("early-retry", Category.GREYLISTED);

  /** A triplet past its delay: passed late the first time ({@code delay=}), known after. */
  public static final Reason TRIPLET_FOUND =
      Reason.of("triplet found", Category.PASSED_KNOWN, Category.PASSED_LATE);

  /** A client that passed greylisting often enough. */
  public static final Reason CLIENT_AWL = Reason.of("client AWL", Category.AUTO_WHITELISTED);

  public static final List<Reason> ALL = List.of(NEW, EARLY_RETRY, TRIPLET_FOUND, CLIENT_AWL);
}
