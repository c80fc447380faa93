package org.greygate.store.lmdb;

import java.util.concurrent.locks.LockSupport;

/**
 * The writer's sense of time: when a commit may start, and how long to wait for more writes before
 * it. Real time in the daemon ({@link #SYSTEM}); a test drives its own, so that pacing is tested
 * without sleeping.
 */
interface Pacer {
  long nanoTime();

  /**
   * Parks the calling thread until {@code deadline} (in this pacer's time), an unpark, or
   * spuriously; callers check their condition again.
   */
  void park(long deadline);

  Pacer SYSTEM =
      new Pacer() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void park(long deadline) {
          long wait = deadline - System.nanoTime();
          if (wait > 0) LockSupport.parkNanos(wait);
        }
      };
}
