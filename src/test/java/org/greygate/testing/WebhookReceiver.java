package org.greygate.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.greygate.queue.hooks.ResponseHooks;

/**
 * A SOC's webhook on a loopback port: every POST to {@code /soc} is kept (body and signature
 * header) and answered 204. For the tests that run the queue watch with {@code --alert-webhook}.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** One call: its body and its {@code X-Greygate-Signature} header (null when unsigned). */
  public record Call(String body, String signature) {
    /** Asserts the signature is HMAC-SHA256 of the body with {@code key}. */
    public void assertSignedWith(String key) {
      assertEquals(
          "sha256="
              + ResponseHooks.sign(
                  key.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8)),
          signature,
          body);
    }
  }

  private final HttpServer server;
  private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();

  public WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/soc",
        x -> {
          calls.add(
              new Call(
                  new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                  x.getRequestHeaders().getFirst("X-Greygate-Signature")));
          x.sendResponseHeaders(204, -1);
          x.close();
        });
    server.start();
  }

  /** Where to send: {@code http://127.0.0.1:PORT/soc}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/soc";
  }

  /** The next call, waiting at most {@code seconds}; fails naming {@code what} when none came. */
  public Call next(int seconds, String what) throws InterruptedException {
    Call c = calls.poll(seconds, TimeUnit.SECONDS);
    assertTrue(c != null, "no webhook call within " + seconds + " s; " + what);
    return c;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
