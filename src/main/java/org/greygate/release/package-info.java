/**
 * Releasing greylisted mail now: {@code greygate greylisted} lists the triplets waiting out their
 * delay, {@code greygate release} makes the matching ones pass at their next attempt, and the
 * daemon's HTTP API ({@code GET /api/greylisted}, {@code POST /api/release}) does both for a caller
 * holding its token. A release rewrites a waiting row's first sighting to {@code now - delay}
 * through one atomic store step; while the daemon holds the embedded database (its one writer), the
 * command hands the release over in a request file in the state directory.
 *
 * <p>Named only by {@code app.Features}; knows no Picocli, no Netty, no store backend.
 */
package org.greygate.release;
