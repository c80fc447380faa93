/**
 * The shape of a feature: {@link org.greygate.feature.Feature} (its settings and how it installs)
 * and {@link org.greygate.feature.Assembly} (what the composition root gives it and takes back:
 * policies at a {@link org.greygate.feature.Stage}, resources, reload hooks, background work).
 *
 * <p>Rule: the contract only; knows no feature, no backend, no Netty, no Picocli. Features import
 * it; the composition root implements {@code Assembly} and lists the features.
 */
package org.greygate.feature;
