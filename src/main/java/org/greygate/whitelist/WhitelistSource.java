package org.greygate.whitelist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where whitelists come from: lists of client and recipient files. Each file {@code F} may have a
 * companion {@code F.local} for site additions that survive package upgrades of {@code F}.
 *
 * <p>A configured file that is missing is an error; a missing {@code .local} companion is normal.
 * Files marked optional (the built-in defaults) may be missing too.
 *
 * @param clientFiles client whitelist files, in order
 * @param recipientFiles recipient whitelist files, in order
 * @param optional files that may be missing without error
 * @param domainPolicyFile the recipient-domain policies ({@link DomainPolicies}), or null
 */
public record WhitelistSource(
    List<Path> clientFiles, List<Path> recipientFiles, List<Path> optional, Path domainPolicyFile) {
  public WhitelistSource {
    clientFiles = List.copyOf(clientFiles);
    recipientFiles = List.copyOf(recipientFiles);
    optional = List.copyOf(optional);
  }

  /** Whitelists only, no domain policies. */
  public WhitelistSource(List<Path> clientFiles, List<Path> recipientFiles, List<Path> optional) {
    this(clientFiles, recipientFiles, optional, null);
  }

  /** Every file read, companions included: what a watcher must watch. */
  public List<Path> allFiles() {
    List<Path> out = new ArrayList<>();
    for (Path p : clientFiles) addWithCompanion(out, p);
    for (Path p : recipientFiles) addWithCompanion(out, p);
    if (domainPolicyFile != null) addWithCompanion(out, domainPolicyFile);
    return out;
  }

  private static void addWithCompanion(List<Path> out, Path p) {
    out.add(p);
    if (!p.getFileName().toString().endsWith(".local")) {
      out.add(companion(p));
    }
  }

  static Path companion(Path p) {
    return p.resolveSibling(p.getFileName() + ".local");
  }

  /**
   * Reads every file and builds one consistent snapshot.
   *
   * @throws WhitelistException naming the first unusable file and line; nothing is half-loaded
   */
  public Whitelists load() throws WhitelistException {
    ClientWhitelist.Builder clients = new ClientWhitelist.Builder();
    for (Path p : clientFiles) {
      read(p, optional.contains(p), clients::add);
    }
    RecipientWhitelist.Builder recipients = new RecipientWhitelist.Builder();
    for (Path p : recipientFiles) {
      read(p, optional.contains(p), recipients::add);
    }
    DomainPolicies.Builder domains = new DomainPolicies.Builder();
    if (domainPolicyFile != null) read(domainPolicyFile, false, domains::add);
    return new Whitelists(clients.build(), recipients.build(), domains.build());
  }

  private static void read(Path file, boolean optional, Consumer<String> sink)
      throws WhitelistException {
    readOne(file, optional, sink);
    if (!file.getFileName().toString().endsWith(".local")) {
      readOne(companion(file), true, sink);
    }
  }

  private static void readOne(Path file, boolean mayBeMissing, Consumer<String> sink)
      throws WhitelistException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      if (mayBeMissing) {
        return;
      }
      throw new WhitelistException(file, 0, "no such file");
    } catch (IOException e) {
      throw new WhitelistException(file, 0, "cannot read: " + e);
    }
    int n = 0;
    for (String raw : lines) {
      n++;
      String entry = stripComment(raw).strip();
      if (entry.isEmpty()) {
        continue;
      }
      try {
        sink.accept(entry);
      } catch (IllegalArgumentException e) {
        throw new WhitelistException(file, n, e.getMessage());
      }
    }
  }

  /** Everything from the first '#' on is a comment, as in Postgrey's files. */
  static String stripComment(String line) {
    int hash = line.indexOf('#');
    return hash < 0 ? line : line.substring(0, hash);
  }
}
