/**
 * The Prometheus adapter of the metrics interface: every count as a Prometheus counter or gauge,
 * decision latency as a histogram, JVM basics, and the {@code /metrics} and {@code /health}
 * endpoints, through the Prometheus Java client (exposition written by the library).
 *
 * <p>Rule: the only package that imports {@code io.prometheus}.
 */
package org.greygate.metrics.prometheus;
