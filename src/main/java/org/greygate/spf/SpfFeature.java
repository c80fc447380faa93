package org.greygate.spf;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.feature.Assembly;
import org.greygate.feature.Feature;
import org.greygate.feature.Stage;

/**
 * SPF retry grouping as a feature ({@code --spf-grouping}): the triplet of a client that passes SPF
 * for the sender's domain is keyed by that domain. Checks run on their own threads in the daemon,
 * never on a network thread nor the DNS client's; {@code check} runs its one check on its own
 * thread.
 */
public final class SpfFeature implements Feature {
  /** Steps waiting for an SPF thread, at most: a flood of checks is shed, never hoarded. */
  static final int QUEUE = 10_000;

  @Override
  public String name() {
    return "SPF retry grouping";
  }

  @Override
  public String policyName() {
    return "spf-grouping"; // as its option, --spf-grouping
  }

  @Override
  public List<Setting<?>> settings() {
    return SpfSettings.ALL;
  }

  @Override
  public boolean asksDns(Settings settings) {
    return settings.get(SpfSettings.SPF_GROUPING);
  }

  @Override
  public void install(Assembly at) {
    if (!at.settings().get(SpfSettings.SPF_GROUPING)) return;
    Executor threads = Runnable::run; // check: one request, on the caller's thread
    if (at.use() == Assembly.Use.SERVE) {
      ExecutorService pool = threads(Runtime.getRuntime().availableProcessors());
      at.resource(pool::shutdownNow);
      threads = pool;
    }
    at.policy(
        Stage.GREYLIST_KEYING,
        new SpfGrouping(new SpfEvaluator(at.dns(), threads), at.dnsBudget(), at.metrics()));
  }

  /**
   * {@code n} daemon threads {@code spf-1..n} behind a bounded queue. When it is full a new check
   * is refused at once and its request decided as if SPF grouping were off (counted as a timeout):
   * a burst of costly records can slow SPF down, never grow the daemon's memory.
   */
  static ExecutorService threads(int n) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        n,
        n,
        0,
        TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE),
        r -> {
          Thread t = new Thread(r, "spf-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
