package org.greygate.store.lmdb;

import java.nio.file.Path;
import org.greygate.store.StoreContract;
import org.greygate.store.TripletStore;
import org.junit.jupiter.api.io.TempDir;

/** The embedded LMDB store runs the whole contract on a real database in a temp dir. */
class LmdbStoreContractIT extends StoreContract {
  @TempDir Path dir;

  @Override
  protected TripletStore open() {
    return LmdbStore.open(dir.resolve("db"));
  }

  @Override
  protected TripletStore reopen(TripletStore closed) {
    closed.close();
    return LmdbStore.open(dir.resolve("db"));
  }
}
