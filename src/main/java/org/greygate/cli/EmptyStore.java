package org.greygate.cli;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.ExpiryRule;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/** What {@code check} uses when --dbdir holds no database yet: everything is new. */
final class EmptyStore implements TripletStore {
  private final Map<String, TripletEntry> triplets = new HashMap<>();
  private final Map<String, ClientEntry> clients = new HashMap<>();

  @Override
  public TripletEntry getTriplet(String key) {
    return triplets.get(key);
  }

  @Override
  public void putTriplet(String key, TripletEntry entry) {
    triplets.put(key, entry);
  }

  @Override
  public ClientEntry getClient(String key) {
    return clients.get(key);
  }

  @Override
  public void putClient(String key, ClientEntry entry) {
    clients.put(key, entry);
  }

  @Override
  public SweepProgress sweep(ExpiryRule rule, long now, SweepProgress from, int limit) {
    return new SweepProgress(2, null, 0, 0);
  }

  @Override
  public long tripletCount() {
    return triplets.size();
  }

  @Override
  public long clientCount() {
    return clients.size();
  }

  @Override
  public void forEachTriplet(BiConsumer<String, TripletEntry> action) {
    triplets.forEach(action);
  }

  @Override
  public void forEachClient(BiConsumer<String, ClientEntry> action) {
    clients.forEach(action);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
