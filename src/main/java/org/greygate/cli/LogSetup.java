package org.greygate.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * greygate's logging, set up in code when logback starts (found through {@code META-INF/services}):
 * reading an XML file costs a daemon's start about a quarter of a second (logback's configuration
 * reader and the JDK's XML parser load some 600 classes), which a Postfix waiting for its policy
 * service should not pay.
 *
 * <p>Lines go to stdout in {@link ConsoleLayout}'s shape. Decisions are logged from the network
 * threads: they hand their lines to an asynchronous queue and never wait for stdout; if stdout
 * stalls (journald busy) and the queue fills, lines are dropped rather than mail held up, and
 * nothing below WARN is dropped before the queue is full. Netty logs at WARN and above.
 *
 * <p>An admin's own file still wins: with {@code -Dlogback.configurationFile=FILE} (in {@code
 * GREYGATE_JAVA_OPTS}) this steps aside and logback reads FILE.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  /** Lines waiting for stdout before new ones are dropped. */
  static final int QUEUE = 16384;

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ConsoleLayout layout = new ConsoleLayout();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
    stdout.setContext(context);
    stdout.setName("STDOUT");
    stdout.setEncoder(encoder);
    stdout.start();
    AsyncAppender out = new AsyncAppender();
    out.setContext(context);
    out.setName("OUT");
    out.setQueueSize(QUEUE);
    out.setDiscardingThreshold(0);
    out.setNeverBlock(true);
    out.addAppender(stdout);
    out.start();
    context.getLogger("io.netty").setLevel(Level.WARN);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(out);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
