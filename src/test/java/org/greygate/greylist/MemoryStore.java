package org.greygate.greylist;

import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.ExpiryRule;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/** In-memory store for unit tests of the decision rules (the real stores have their own tests). */
public class MemoryStore implements TripletStore {
  public final TreeMap<String, TripletEntry> triplets = new TreeMap<>();
  public final TreeMap<String, ClientEntry> clients = new TreeMap<>();

  @Override
  public synchronized TripletEntry getTriplet(String key) {
    return triplets.get(key);
  }

  @Override
  public synchronized void putTriplet(String key, TripletEntry entry) {
    triplets.put(key, entry);
  }

  @Override
  public synchronized ClientEntry getClient(String key) {
    return clients.get(key);
  }

  @Override
  public synchronized void putClient(String key, ClientEntry entry) {
    clients.put(key, entry);
  }

  @Override
  public synchronized SweepProgress sweep(
      ExpiryRule rule, long now, SweepProgress from, int limit) {
    int before = triplets.size() + clients.size();
    triplets.values().removeIf(e -> rule.tripletExpired(e, now));
    clients.values().removeIf(e -> rule.clientExpired(e, now));
    return new SweepProgress(2, null, before, before - triplets.size() - clients.size());
  }

  @Override
  public synchronized long tripletCount() {
    return triplets.size();
  }

  @Override
  public synchronized long clientCount() {
    return clients.size();
  }

  @Override
  public synchronized void forEachTriplet(BiConsumer<String, TripletEntry> a) {
    triplets.forEach(a);
  }

  @Override
  public synchronized void forEachClient(BiConsumer<String, ClientEntry> a) {
    clients.forEach(a);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
