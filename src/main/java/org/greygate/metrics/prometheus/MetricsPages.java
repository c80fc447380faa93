package org.greygate.metrics.prometheus;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The pages of the metrics endpoint, whatever carries them over HTTP: {@code /metrics} (written by
 * the Prometheus client library, with its content negotiation: the text format 0.0.4 by default,
 * OpenMetrics or protobuf when Accept asks, gzip when Accept-Encoding allows, {@code name[]}
 * filters) and {@code /health} (200 {@code ok} while healthy, 503 with the reason otherwise).
 * Thread-safe.
 */
public final class MetricsPages {
  /** An answer: status, headers (Content-Type and the like), body. */
  public record Page(int status, Map<String, String> headers, byte[] body) {}

  private final PrometheusScrapeHandler scrape;
  private final Supplier<String> problem;

  /**
   * @param problem what is wrong now, or {@code null} when healthy
   */
  public MetricsPages(PrometheusMetrics metrics, Supplier<String> problem) {
    this.scrape = new PrometheusScrapeHandler(metrics.registry());
    this.problem = problem;
  }

  /**
   * {@code /metrics} for a GET (a HEAD is answered as a GET, its body left unsent by the caller).
   *
   * @param query the query string without {@code ?}, empty if none
   * @param header the values of a request header by name, empty when absent
   */
  public Page metrics(String path, String query, Function<String, List<String>> header) {
    Exchange e = new Exchange(path, query, header);
    try {
      scrape.handleRequest(e);
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return new Page(e.status, e.headers, e.body.toByteArray());
  }

  /** {@code /health}: 200 {@code ok}, or 503 {@code unavailable: REASON}. */
  public Page health() {
    String p;
    try {
      p = problem.get();
    } catch (RuntimeException e) {
      p = e.toString();
    }
    byte[] body =
        (p == null ? "ok\n" : "unavailable: " + p + "\n").getBytes(StandardCharsets.UTF_8);
    return new Page(
        p == null ? 200 : 503, Map.of("Content-Type", "text/plain; charset=utf-8"), body);
  }

  /** The library's view of one request, its answer collected in memory. */
  private static final class Exchange
      implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
    final String path;
    final String query;
    final Function<String, List<String>> header;
    final Map<String, String> headers = new LinkedHashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    int status = 500;

    Exchange(String path, String query, Function<String, List<String>> header) {
      this.path = path;
      this.query = query;
      this.header = header;
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return this;
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return this;
    }

    @Override
    public String getQueryString() {
      return query.isEmpty() ? null : query;
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return Collections.enumeration(header.apply(name));
    }

    @Override
    public String getMethod() {
      return "GET";
    }

    @Override
    public String getRequestPath() {
      return path;
    }

    @Override
    public void setHeader(String name, String value) {
      // the carrier sets the length of what it sends
      if (!name.equalsIgnoreCase("Content-Length")) headers.put(name, value);
    }

    @Override
    public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
      status = statusCode;
      return body;
    }

    @Override
    public void handleException(IOException e) throws IOException {
      throw e;
    }

    @Override
    public void handleException(RuntimeException e) {
      throw e;
    }

    @Override
    public void close() {}
  }
}
