/**
 * The embedded default store: LMDB through LmdbJava, one writer thread with group commit.
 *
 * <p>Rule: the only package that imports {@code org.lmdbjava}.
 */
package org.greygate.store.lmdb;
