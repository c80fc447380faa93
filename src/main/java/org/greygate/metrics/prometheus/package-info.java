/**
 * The Prometheus adapter of the metrics interface: every count as a Prometheus counter or gauge,
 * decision latency as a histogram, JVM basics, and the pages {@code /metrics} and {@code /health},
 * through the Prometheus Java client (exposition written by the library). It serves no sockets: the
 * server package's HTTP endpoint carries the pages.
 *
 * <p>Rule: the only package that imports {@code io.prometheus}.
 */
package org.greygate.metrics.prometheus;
