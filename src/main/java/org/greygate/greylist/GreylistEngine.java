package org.greygate.greylist;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.greygate.inet.IpAddress;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.Whitelists;

/**
 * The greylisting decision, rule for rule as Postgrey 1.37 takes it, in this order: client
 * whitelist, recipient whitelist, client auto-whitelist, triplet lookup.
 *
 * <p>A triplet is stored as (first seen, last seen). A request passes when at least {@code delay}
 * seconds lie between the first attempt and now; every request moves "last seen" to now. A triplet
 * that has not passed yet and whose first attempt is older than the retry window starts over. The
 * first pass of a message adds the X-Greylist header (once per message instance), and counts
 * towards the client's auto-whitelisting (once an hour at most).
 *
 * <p>Thread-safe if the store is. A request's decision depends only on the request, {@code now},
 * the whitelists and the store.
 */
public final class GreylistEngine {
  private static final DateTimeFormatter HEADER_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss zzz", Locale.ROOT);
  private static final long AWL_COUNT_INTERVAL = 3600;

  private final GreylistConfig config;
  private final TripletStore store;
  private final TripletKeys keys;
  private final Expiry expiry;
  private final RecentInstances instances;
  private final ZoneId zone;
  private final String version;

  public GreylistEngine(
      GreylistConfig config,
      TripletStore store,
      KeyHasher hasher,
      RecentInstances instances,
      ZoneId zone,
      String version) {
    this.config = config;
    this.store = store;
    this.keys = new TripletKeys(config, hasher);
    this.expiry = Expiry.of(config);
    this.instances = instances;
    this.zone = zone;
    this.version = version;
  }

  public GreylistConfig config() {
    return config;
  }

  /**
   * Decides one request at {@code now} (epoch seconds).
   *
   * @throws org.greygate.store.StoreException when the store fails; the caller fails open
   */
  public Decision decide(PolicyRequest request, long now, Whitelists whitelists) {
    String state = request.protocolState();
    if (state != null && !state.isEmpty() && !state.equalsIgnoreCase("RCPT")) {
      return Decision.notApplicable("protocol_state=" + state);
    }
    String clientName = request.clientName();
    String clientAddress = request.clientAddress();
    String sender = request.sender();
    String recipient = request.recipient();
    if (clientAddress == null || clientName == null || recipient == null || sender == null) {
      return Decision.notApplicable("attribute missing: " + firstMissing(request));
    }
    IpAddress ip = IpAddress.parse(clientAddress);
    if (ip == null) {
      return Decision.notApplicable("unparsable client_address");
    }

    if (whitelists.matchesClient(clientName, ip)) {
      return Decision.pass("client whitelist");
    }
    if (whitelists.matchesRecipient(recipient)) {
      return Decision.pass("recipient whitelist");
    }

    String clientKey = null;
    ClientEntry client = null;
    if (config.awlClients() > 0) {
      clientKey = keys.client(ip);
      client = store.getClient(clientKey);
      if (client != null && expiry.clientExpired(client, now)) {
        client = null;
      }
      if (client != null && client.count() >= config.awlClients()) {
        if (now >= client.lastSeen() + AWL_COUNT_INTERVAL || client.lastSeen() > now) {
          store.putClient(clientKey, new ClientEntry(client.count() + 1, now));
        }
        return Decision.pass("client AWL");
      }
    }

    String key = keys.triplet(ip, sender, recipient);
    TripletEntry known = store.getTriplet(key);
    if (known != null && expiry.tripletExpired(known, now)) {
      known = null;
    }
    long first = now;
    boolean passedBefore = false;
    if (known != null) {
      first = known.firstSeen();
      if (known.lastSeen() - first >= config.delay()) {
        passedBefore = true;
      } else if (now - first > config.retryWindow()) {
        first = now; // the first retry came too late: start over
      }
      if (first > now) {
        first = now; // first seen in the future (clock stepped back): trust now
      }
    }
    if (known == null || known.firstSeen() != first || known.lastSeen() != now) {
      // a repeat within the same second changes nothing: spare the writer
      store.putTriplet(key, new TripletEntry(first, now));
    }

    long missing = config.delay() - (now - first);
    boolean newlyWhitelisted = false;
    if (clientKey != null && missing <= 0 && !passedBefore) {
      if (client == null || now >= client.lastSeen() + AWL_COUNT_INTERVAL) {
        long count = (client == null ? 0 : client.count()) + 1;
        store.putClient(clientKey, new ClientEntry(count, now));
        newlyWhitelisted = count == config.awlClients();
      }
    }

    if (missing > 0) {
      String reason = now != first ? "early-retry (" + missing + "s missing)" : "new";
      return new Decision(
          Verdict.GREYLIST,
          config.greylistAction() + " " + greylistText(request, recipient, missing),
          reason,
          null,
          newlyWhitelisted);
    }
    if (!passedBefore && instances.firstTime(request.instance())) {
      long waited = now - first;
      return new Decision(
          Verdict.PREPEND,
          "PREPEND " + header(waited, now),
          "triplet found",
          "delay=" + waited,
          newlyWhitelisted);
    }
    return new Decision(Verdict.PASS, "DUNNO", "triplet found", null, newlyWhitelisted);
  }

  private String greylistText(PolicyRequest request, String recipient, long missing) {
    String text = config.greylistText();
    // Postfix >= 2.3 always sends etrn_domain; only it understands an explicit DSN code.
    // 4.2.0 rather than 4.7.1 because some Exchange versions give up on 4.7.1.
    if (request.has("etrn_domain") && (text.isEmpty() || !Character.isDigit(text.charAt(0)))) {
      text = "4.2.0 " + text;
    }
    String domain = recipient.substring(recipient.lastIndexOf('@') + 1);
    return text.replace("%s", Long.toString(missing)).replace("%r", domain);
  }

  private String header(long waited, long now) {
    return config
        .xGreylistHeader()
        .replace("%t", Long.toString(waited))
        .replace("%v", version)
        .replace("%h", config.hostname())
        .replace("%d", HEADER_DATE.format(Instant.ofEpochSecond(now).atZone(zone)));
  }

  private static String firstMissing(PolicyRequest r) {
    if (r.clientAddress() == null) return "client_address";
    if (r.clientName() == null) return "client_name";
    if (r.recipient() == null) return "recipient";
    return "sender";
  }
}
