package org.greygate.dns;

import java.net.InetAddress;
import java.util.concurrent.CompletionStage;

/**
 * The DNS questions greygate asks, each asynchronous. A name or type that does not exist is an
 * empty {@link Answer}; a lookup that fails (timeout, SERVFAIL, no resolver) completes with {@link
 * DnsException}. Names are absolute, with or without the trailing dot.
 */
public interface Lookups {
  CompletionStage<Answer<InetAddress>> ipv4(String name);

  CompletionStage<Answer<InetAddress>> ipv6(String name);

  CompletionStage<Answer<String>> txt(String name);

  /** Mail exchanger names, most preferred first. */
  CompletionStage<Answer<String>> mx(String name);

  /** The names an address points back to. */
  CompletionStage<Answer<String>> ptr(InetAddress address);
}
