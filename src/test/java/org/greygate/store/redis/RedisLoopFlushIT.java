package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisURI;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.greygate.store.Expiry;
import org.greygate.store.TripletRule;
import org.greygate.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decisions one server event loop sends in one turn leave in one write: Redis reads a turn's
 * 200 scripts in a handful of reads (16 KB each), not one read per script. Each read is a system
 * call, an event-loop pass and a parse on the Redis server; a cluster's master, seeing a third of
 * the commands, paid them per command.
 */
class RedisLoopFlushIT {
  static final int DECISIONS = 200;

  RedisServer server;
  RedisStore store;
  MultiThreadIoEventLoopGroup group;

  @BeforeEach
  void start() throws Exception {
    server = RedisServer.launch();
    store =
        RedisStore.open(
            new RedisStore.Settings(
                RedisURI.create(server.uri()), "flush:", Duration.ofSeconds(5), 10_000),
            new Expiry(300, 35 * 86400, 2 * 86400));
    // the transport Lettuce picks for its channels (native where the machine has it)
    IoHandlerFactory io =
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    group = new MultiThreadIoEventLoopGroup(1, io);
  }

  @AfterEach
  void stop() throws Exception {
    if (store != null) store.close();
    if (group != null) group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    if (server != null) server.close();
  }

  @Test
  void oneTurnsDecisionsReachRedisInAFewReads() throws Exception {
    EventLoop loop = group.next();
    store.eventLoopSharing().orElseThrow().shareEventLoops(List.of(loop));
    TripletRule rule = new TripletRule(300, 35 * 86400, 2 * 86400, 5);
    long now = 1_800_000_000L;
    // connected, the script known: what follows is the decisions' traffic only
    decide(loop, rule, now, 1, "warm");

    long before = readsProcessed();
    List<TripletRule.Result> results = decide(loop, rule, now, DECISIONS, "turn");
    long reads = readsProcessed() - before - 1; // the INFO that reads the counter is one read

    assertEquals(DECISIONS, results.size());
    for (TripletRule.Result r : results) assertEquals(TripletRule.Kind.NEW, r.kind());
    // 200 scripts of ~230 bytes: 46 KB, read 16 KB at a time; one write per script was up to 200
    assertTrue(
        reads <= 12,
        "Redis needed " + reads + " reads for " + DECISIONS + " scripts sent in one loop turn");
  }

  /** Sends {@code n} decisions from one task on the loop (one turn), and waits for them all. */
  private List<TripletRule.Result> decide(
      EventLoop loop, TripletRule rule, long now, int n, String tag) throws Exception {
    List<CompletableFuture<TripletRule.Result>> sent = new ArrayList<>();
    loop.submit(
            () -> {
              for (int i = 0; i < n; i++) {
                sent.add(
                    store
                        .greylist(
                            tag + i + "/192.0.2.1/a@example.org/b@example.net",
                            "192.0.2.1",
                            rule,
                            now)
                        .toCompletableFuture());
              }
            })
        .sync();
    List<TripletRule.Result> out = new ArrayList<>();
    for (CompletableFuture<TripletRule.Result> f : sent) out.add(f.get(10, TimeUnit.SECONDS));
    return out;
  }

  private long readsProcessed() throws Exception {
    for (String line : server.text("INFO", "stats").split("\r?\n")) {
      if (line.startsWith("total_reads_processed:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new AssertionError("INFO stats without total_reads_processed");
  }
}
