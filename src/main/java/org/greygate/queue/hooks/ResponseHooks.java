package org.greygate.queue.hooks;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.greygate.files.PrivateFiles;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SOC's first response to a queue alert: every alert POSTed as JSON to the configured webhooks
 * (signed with HMAC-SHA256 when a key is given, tried three times with back-off on a network error
 * or a 5xx answer, once while it is known to be down) and handed as JSON on standard input to the
 * configured programs (run without a shell, bounded in time). Never holds up the watch: {@link
 * #fire} only queues, at most {@link #QUEUE} calls wait, more are dropped and counted. A hook that
 * starts failing is logged once, with the reason, and again when it works again; every call is
 * counted by result. Thread-safe.
 */
public final class ResponseHooks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResponseHooks.class);

  /** Calls waiting, at most: a flood of alerts is shed, never hoarded. */
  static final int QUEUE = 1000;

  /** Tries of one webhook call: the first and two retries, 1 s and 4 s later. */
  static final int ATTEMPTS = 3;

  static final Meter CALLS =
      Meter.counter(
          "greygate_alert_hooks_total",
          "Alert hooks run, by kind (webhook, command) and result (ok, failed, dropped)",
          "hook",
          "result");

  /** The header a signed webhook body carries: {@code sha256=} and the HMAC in hex. */
  public static final String SIGNATURE_HEADER = "X-Greygate-Signature";

  private final HookConfig config;
  private final Metrics metrics;
  private final byte[] key;
  private final HttpClient http;
  private final ScheduledThreadPoolExecutor worker;
  private final AtomicInteger waiting = new AtomicInteger();
  private final Map<String, Boolean> failing = new ConcurrentHashMap<>();

  private ResponseHooks(HookConfig config, Metrics metrics, byte[] key) {
    this.config = config;
    this.metrics = metrics;
    this.key = key;
    metrics.declare(CALLS);
    this.http =
        config.webhooks().isEmpty()
            ? null
            : HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    this.worker =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "alert-hooks");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The hooks of {@code config}, ready to fire.
   *
   * @throws IOException when the signing key cannot be read (names the file)
   */
  public static ResponseHooks start(HookConfig config, Metrics metrics) throws IOException {
    byte[] key = null;
    Path secret = config.secret();
    if (secret != null) {
      try {
        key = stripped(PrivateFiles.readSmall(secret, 4096));
      } catch (IOException e) {
        throw new IOException(
            "--alert-webhook-secret " + secret + ": " + PrivateFiles.reason(e), e);
      }
      if (key.length == 0) {
        throw new IOException("--alert-webhook-secret " + secret + ": the file is empty");
      }
    }
    return new ResponseHooks(config, metrics, key);
  }

  /** Queues the alert for every hook; returns at once. */
  public void fire(String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    for (URI url : config.webhooks()) submit("webhook", () -> post(url, body, 1));
    for (Path program : config.commands()) submit("command", () -> run(program, body));
  }

  private void submit(String hook, Runnable call) {
    if (waiting.incrementAndGet() > QUEUE) {
      waiting.decrementAndGet();
      metrics.add(CALLS, 1, hook, "dropped");
      if (failing.putIfAbsent("queue", true) == null) {
        log.warn(
            "alert hooks: {} calls waiting; further alerts are not sent until they are", QUEUE);
      }
      return;
    }
    worker.execute(
        () -> {
          waiting.decrementAndGet();
          call.run();
        });
  }

  private void post(URI url, byte[] body, int attempt) {
    String target = url.getScheme() + "://" + url.getAuthority() + url.getPath();
    String problem;
    boolean retry;
    try {
      HttpRequest.Builder r =
          HttpRequest.newBuilder(url)
              .timeout(config.timeout())
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (key != null) r.header(SIGNATURE_HEADER, "sha256=" + sign(key, body));
      HttpResponse<Void> answer = http.send(r.build(), HttpResponse.BodyHandlers.discarding());
      int status = answer.statusCode();
      if (status / 100 == 2) {
        succeeded("webhook", target);
        return;
      }
      problem = "HTTP " + status;
      retry = status >= 500;
    } catch (IOException e) {
      problem =
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      retry = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    // a hook known to be down gets one try an alert until it answers again: a backlog drains
    if (retry && attempt < ATTEMPTS && !failing.containsKey(target) && !worker.isShutdown()) {
      long delay = attempt == 1 ? 1 : 4;
      worker.schedule(() -> post(url, body, attempt + 1), delay, TimeUnit.SECONDS);
      return;
    }
    failed("webhook", target, problem);
  }

  private void run(Path program, byte[] body) {
    String target = program.toString();
    Process p;
    try {
      p =
          new ProcessBuilder(List.of(target))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      failed("command", target, "cannot start: " + PrivateFiles.reason(e));
      return;
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(body);
    } catch (IOException e) {
      // it need not read its input; its exit status says how it went
    }
    try {
      if (!p.waitFor(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        failed("command", target, "still running after " + config.timeout().toSeconds() + " s");
        return;
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return;
    }
    int code = p.exitValue();
    if (code == 0) succeeded("command", target);
    else failed("command", target, "exit status " + code);
  }

  private void succeeded(String hook, String target) {
    metrics.add(CALLS, 1, hook, "ok");
    if (failing.remove(target) != null) log.info("alert hook {} works again", target);
    failing.remove("queue");
  }

  private void failed(String hook, String target, String problem) {
    metrics.add(CALLS, 1, hook, "failed");
    if (failing.putIfAbsent(target, true) == null) {
      log.warn("alert hook {} failed: {} (logged once until it works again)", target, problem);
    }
  }

  /** {@code HMAC-SHA256(key, body)} in lower-case hex. */
  public static String sign(byte[] key, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** The key without a trailing line end (an editor's newline is not part of it). */
  private static byte[] stripped(byte[] b) {
    int n = b.length;
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) n--;
    return java.util.Arrays.copyOf(b, n);
  }

  /** Stops; calls under way finish within their timeout, waiting ones are dropped. */
  @Override
  public void close() {
    worker.shutdownNow();
    try {
      worker.awaitTermination(config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
