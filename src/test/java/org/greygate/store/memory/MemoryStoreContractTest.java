package org.greygate.store.memory;

import org.greygate.store.StoreContract;
import org.greygate.store.TripletStore;

/** The in-memory reference store runs the whole contract (it keeps nothing across restarts). */
class MemoryStoreContractTest extends StoreContract {
  @Override
  protected TripletStore open() {
    return new MemoryStore();
  }

  @Override
  protected TripletStore reopen(TripletStore closed) {
    return null;
  }
}
