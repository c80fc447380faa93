package org.greygate.server;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the listening side. Thread-safe. */
public final class ServerStats {
  final LongAdder requests = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder protocolErrors = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder denied = new LongAdder();

  /** Requests decoded. */
  public long requests() {
    return requests.sum();
  }

  /** Answers replaced by the timeout action (deadline passed, or no decision thread free). */
  public long timeouts() {
    return timeouts.sum();
  }

  /** Connections closed for breaking the protocol or a limit. */
  public long protocolErrors() {
    return protocolErrors.sum();
  }

  /** Connections closed because the connection cap was reached. */
  public long refused() {
    return refused.sum();
  }

  /** Connections closed because the peer is outside --allow-from. */
  public long denied() {
    return denied.sum();
  }
}
