package org.greygate.metrics.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text, written by the client library) and {@code /health} (200 {@code
 * ok} while the daemon is healthy, 503 with the reason otherwise), on one HTTP listener, served by
 * one thread of its own: a scrape never touches the network threads.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer http;
  private final ExecutorService thread;

  /**
   * @param problem what is wrong now, or {@code null} when healthy
   */
  public MetricsEndpoint(
      InetSocketAddress address, PrometheusMetrics metrics, Supplier<String> problem)
      throws IOException {
    http = HttpServer.create(address, 16);
    http.createContext("/metrics", new MetricsHandler(metrics.registry()));
    http.createContext("/health", exchange -> health(exchange, problem));
    thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "metrics-http");
              t.setDaemon(true);
              return t;
            });
    http.setExecutor(thread);
    http.start();
  }

  /** Where it listens (the port resolved when 0 was asked). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  private static void health(HttpExchange exchange, Supplier<String> problem) throws IOException {
    String p;
    try {
      p = problem.get();
    } catch (RuntimeException e) {
      p = e.toString();
    }
    byte[] body =
        (p == null ? "ok\n" : "unavailable: " + p + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(p == null ? 200 : 503, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    thread.shutdownNow();
  }
}
