package org.greygate.dns;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;

/** One resolver as the client asks it: a query out, the answer matched to it back. */
interface Resolver extends AutoCloseable {
  /** Asks {@code type} of {@code name}; the answer to exactly that query, or a failure. */
  CompletableFuture<Message> query(Name name, int type, Duration timeout);

  /** Datagrams ignored so far for not answering the query they came for. */
  long ignored();

  @Override
  void close();
}
