package org.greygate.testing;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.greygate.store.ClientEntry;
import org.greygate.store.RowChange;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/** Plain reads and writes of single rows through the decision-level store contract. */
public final class Rows {
  private Rows() {}

  public static TripletEntry triplet(TripletStore s, String key) {
    return join(s.step(key, null, (t, c) -> new RowChange.Change<>(null, null, t)));
  }

  public static ClientEntry client(TripletStore s, String key) {
    return join(s.step(null, key, (t, c) -> new RowChange.Change<>(null, null, c)));
  }

  public static void put(TripletStore s, String key, TripletEntry e) {
    join(s.step(key, null, (t, c) -> new RowChange.Change<>(e, null, null)));
  }

  public static void put(TripletStore s, String key, ClientEntry e) {
    join(s.step(null, key, (t, c) -> new RowChange.Change<>(null, e, null)));
  }

  /** The stage's value; its failure rethrown as it was. */
  public static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw e;
    }
  }
}
