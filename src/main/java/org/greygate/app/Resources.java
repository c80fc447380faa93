package org.greygate.app;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What has to be closed, in the order it was acquired: closed in reverse, each once, a failure
 * logged and the next one closed all the same. Not thread-safe: the root fills it while it builds
 * and closes it once.
 */
final class Resources {
  private static final Logger log = LoggerFactory.getLogger(Resources.class);

  private final List<AutoCloseable> held = new ArrayList<>();

  void add(AutoCloseable resource) {
    held.add(resource);
  }

  int size() {
    return held.size();
  }

  /** Closes everything, last acquired first, and forgets it. */
  void closeAll() {
    for (int i = held.size() - 1; i >= 0; i--) {
      try {
        held.get(i).close();
      } catch (Exception e) {
        log.warn("closing {}", held.get(i), e);
      }
    }
    held.clear();
  }
}
