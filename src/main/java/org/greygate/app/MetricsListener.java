package org.greygate.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.greygate.feature.ApiPage;
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
    return start(address, metrics, problem, Map.of(), Map.of());
  }

  /**
   * Listens on {@code address} for {@code /metrics}, {@code /health} and the features' API pages
   * ({@code gets}: GET and HEAD, {@code posts}: POST).
   *
   * @throws IOException when the address cannot be bound
   */
  public static HttpEndpoint start(
      InetSocketAddress address,
      PrometheusMetrics metrics,
      Supplier<String> problem,
      Map<String, ApiPage> gets,
      Map<String, ApiPage> posts)
      throws IOException {
    MetricsPages pages = new MetricsPages(metrics, problem);
    Map<String, HttpEndpoint.Page> all = new HashMap<>();
    all.put("/metrics", r -> response(pages.metrics(r.path(), r.query(), r::header)));
    all.put("/health", r -> response(pages.health()));
    gets.forEach((path, page) -> all.put(path, api(page)));
    Map<String, HttpEndpoint.Page> post = new HashMap<>();
    posts.forEach((path, page) -> post.put(path, api(page)));
    return new HttpEndpoint(address, all, post, HttpEndpoint.Limits.DEFAULT, "metrics");
  }

  private static HttpEndpoint.Page api(ApiPage page) {
    return r -> {
      ApiPage.Answer a =
          page.answer(
              new ApiPage.Call(
                  r.method(), r.path(), r.query(), r.headers(), r.body(), r.client().getAddress()));
      return new HttpEndpoint.Response(
          a.status(),
          Map.of("Content-Type", a.contentType(), "Cache-Control", "no-store"),
          a.body());
    };
  }

  private static HttpEndpoint.Response response(MetricsPages.Page p) {
    return new HttpEndpoint.Response(p.status(), p.headers(), p.body());
  }
}
