package org.greygate.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.Decider;
import org.greygate.protocol.Outcome;
import org.greygate.server.ListenAddress;
import org.greygate.server.PolicyServer;
import org.greygate.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The ceiling for benchmarks: the same server, answering DUNNO without deciding anything. */
@Command(
    name = "responder",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Benchmark baseline: greygate's network stack answering DUNNO to every request, no greylisting, no store.")
public final class ResponderCommand implements Callable<Integer> {
  @Option(
      names = {"-i", "--inet"},
      paramLabel = "[HOST:]PORT",
      description = "Listen on TCP.")
  String inet;

  @Option(
      names = {"-u", "--unix"},
      paramLabel = "PATH",
      description = "Listen on a unix socket (mode 0666, for benchmarks).")
  String unix;

  @Option(
      names = "--io-threads",
      paramLabel = "N",
      description = "Network threads (default: 0 = one per core).")
  int ioThreads;

  @Override
  public Integer call() throws Exception {
    if ((inet == null) == (unix == null)) {
      throw new GreygateCli.UsageError("responder: give exactly one of --inet and --unix");
    }
    List<ListenAddress> listen = new ArrayList<>();
    listen.add(
        inet != null
            ? ListenAddress.parseInet(inet)
            : new ListenAddress.Unix(java.nio.file.Path.of(unix), 0666));
    PolicyServer server =
        new PolicyServer(
            ServerOptions.listening(listen)
                .maxConnections(10_000)
                .ioThreads(ioThreads)
                .replyTimeout(Duration.ZERO)
                .build(),
            Decider.constant(new Outcome.Dunno(Outcome.Note.of("pass", "responder"))),
            Metrics.NONE);
    server.start();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stop.countDown();
                }));
    org.slf4j.LoggerFactory.getLogger(ResponderCommand.class).info("responder ready");
    stop.await();
    return GreygateCli.EXIT_OK;
  }
}
