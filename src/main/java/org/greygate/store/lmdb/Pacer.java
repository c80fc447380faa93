package org.greygate.store.lmdb;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The writer's sense of time: when a commit may start, and how long to wait for more writes before
 * it. Real time in the daemon ({@link #SYSTEM}); a test drives its own, so that pacing is tested
 * without sleeping.
 */
interface Pacer {
  long nanoTime();

  /**
   * The next element queued before {@code deadline} (in this pacer's time), or {@code null} once
   * the deadline has passed with nothing queued.
   */
  <T> T poll(BlockingQueue<T> queue, long deadline) throws InterruptedException;

  Pacer SYSTEM =
      new Pacer() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public <T> T poll(BlockingQueue<T> queue, long deadline) throws InterruptedException {
          long wait = deadline - System.nanoTime();
          return wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
        }
      };
}
