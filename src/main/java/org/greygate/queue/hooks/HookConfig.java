package org.greygate.queue.hooks;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where alerts go besides the log.
 *
 * @param webhooks URLs that get every alert as a JSON POST
 * @param secret a file holding the key that signs the webhook bodies, or null
 * @param commands programs run for every alert, the alert as JSON on their standard input
 * @param timeout how long one call or command may take
 */
public record HookConfig(List<URI> webhooks, Path secret, List<Path> commands, Duration timeout) {
  public HookConfig {
    webhooks = List.copyOf(webhooks);
    commands = List.copyOf(commands);
  }

  /** None. */
  public static final HookConfig NONE = new HookConfig(List.of(), null, List.of(), Duration.ZERO);

  public boolean any() {
    return !webhooks.isEmpty() || !commands.isEmpty();
  }
}
