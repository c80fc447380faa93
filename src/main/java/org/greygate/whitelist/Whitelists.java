package org.greygate.whitelist;

import org.greygate.inet.IpAddress;

/**
 * One consistent set of client and recipient whitelists and recipient-domain policies, swapped
 * whole on reload. Immutable.
 */
public record Whitelists(
    ClientWhitelist clients, RecipientWhitelist recipients, DomainPolicies domains) {
  public static final Whitelists EMPTY =
      new Whitelists(ClientWhitelist.EMPTY, RecipientWhitelist.EMPTY, DomainPolicies.EMPTY);

  /** Whitelists without domain policies. */
  public Whitelists(ClientWhitelist clients, RecipientWhitelist recipients) {
    this(clients, recipients, DomainPolicies.EMPTY);
  }

  public boolean matchesClient(String clientName, IpAddress address) {
    return clients.matches(clientName, address);
  }

  public boolean matchesRecipient(String recipient) {
    return recipients.matches(recipient);
  }

  /** The client entry that matched, or null (see {@link ClientWhitelist#match}). */
  public String clientMatch(String clientName, IpAddress address) {
    return clients.match(clientName, address);
  }

  /** The recipient entry that matched, or null (see {@link RecipientWhitelist#match}). */
  public String recipientMatch(String recipient) {
    return recipients.match(recipient);
  }
}
