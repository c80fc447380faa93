package org.greygate.store.lmdb;

/** The named databases inside the LMDB environment. */
enum Table {
  TRIPLETS("triplets"),
  CLIENTS("clients"),
  WINDOWS("windows"),
  DECISIONS("decisions"),
  /** First sightings of triplets, in arrival order (LmdbStore: "The first-pass journal"). */
  JOURNAL("journal");

  final String dbName;

  Table(String dbName) {
    this.dbName = dbName;
  }
}
