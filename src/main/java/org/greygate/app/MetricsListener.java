package org.greygate.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Supplier;
import org.greygate.metrics.prometheus.MetricsPages;
import org.greygate.metrics.prometheus.PrometheusMetrics;
import org.greygate.server.HttpEndpoint;

/** {@code --metrics}: the Prometheus pages on the server's HTTP endpoint. */
public final class MetricsListener {
  private MetricsListener() {}

  /**
   * Listens on {@code address} for {@code /metrics} and {@code /health}.
   *
   * @param problem what is wrong now, or {@code null} when healthy
   * @throws IOException when the address cannot be bound
   */
  public static HttpEndpoint start(
      InetSocketAddress address, PrometheusMetrics metrics, Supplier<String> problem)
      throws IOException {
    MetricsPages pages = new MetricsPages(metrics, problem);
    return new HttpEndpoint(
        address,
        Map.of(
            "/metrics",
            r -> response(pages.metrics(r.path(), r.query(), r::header)),
            "/health",
            r -> response(pages.health())),
        HttpEndpoint.Limits.DEFAULT,
        "metrics");
  }

  private static HttpEndpoint.Response response(MetricsPages.Page p) {
    return new HttpEndpoint.Response(p.status(), p.headers(), p.body());
  }
}
