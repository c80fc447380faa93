package org.greygate.store;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A store's capability to run its network I/O on the server's event loops ({@link
 * TripletStore#eventLoopSharing}), so that a request decided on a loop sends its store command,
 * reads the answer and writes its reply on one thread. The loops are given as plain executors: the
 * store package knows no network library; a backend that can use them (its client runs on the same
 * library) takes those it recognises and ignores the others.
 */
public interface EventLoopSharing {
  /**
   * Moves the store's per-request I/O onto these loops, as far as it can; calls from other threads
   * keep the store's own connection. Call {@link #releaseEventLoops} before the loops stop.
   */
  void shareEventLoops(List<? extends ScheduledExecutorService> loops);

  /**
   * Gives the loops back: the store's I/O returns to its own threads. Called once no decision is
   * under way, before the loops stop; idempotent.
   */
  void releaseEventLoops();
}
