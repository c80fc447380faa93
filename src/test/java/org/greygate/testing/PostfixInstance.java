package org.greygate.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A private Postfix instance in a temp dir: loopback only, never chrooted, logging to its own
 * {@code maillog} file, delivering {@code example.test} to one mailbox file. Needs root (Postfix
 * starts as root and drops to {@code postfix}); {@link #close} stops it and removes the dir.
 */
public final class PostfixInstance implements AutoCloseable {
  public final Path root;
  public final String postfix;
  public final String swaks;
  private boolean started;
  private int smtpPort;

  public PostfixInstance() throws IOException {
    postfix = Requirements.program("postfix", "/usr/sbin/postfix");
    swaks = Requirements.program("swaks", "/usr/bin/swaks");
    Requirements.root("a Postfix instance needs root to start");
    root = Files.createTempDirectory("greygate-postfix");
    root.toFile().setReadable(true, false);
    root.toFile().setExecutable(true, false);
  }

  /** The instance's config directory, for {@code postqueue -c} and {@code postsuper -c}. */
  public Path etc() {
    return root.resolve("etc");
  }

  public Path maillog() {
    return root.resolve("maillog");
  }

  /** Where mail for {@code @example.test} lands, all copies in one mbox file. */
  public Path inbox() {
    return root.resolve("mail/inbox");
  }

  public int smtpPort() {
    return smtpPort;
  }

  /**
   * Writes main.cf (the base plus {@code extra} lines, which may override it) and master.cf, checks
   * and starts the instance, and waits until it listens.
   */
  public void start(List<String> extra) throws Exception {
    smtpPort = freePort();
    writeConfig(extra);
    String check = run(List.of(postfix, "-c", etc().toString(), "check"), 30);
    String start = run(List.of(postfix, "-c", etc().toString(), "start"), 30);
    started = true;
    awaitPort(smtpPort, start + check);
  }

  @Override
  public void close() throws Exception {
    try {
      if (started) run(List.of(postfix, "-c", etc().toString(), "stop"), 30);
    } finally {
      try (Stream<Path> s = Files.walk(root)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void writeConfig(List<String> extra) throws Exception {
    Path etc = Files.createDirectories(etc());
    Files.createDirectories(root.resolve("queue"));
    Path data = Files.createDirectories(root.resolve("data"));
    Path mail = Files.createDirectories(root.resolve("mail"));
    chown("postfix", data);
    chown("nobody:nogroup", mail);
    String r = root.toString();
    List<String> main =
        new ArrayList<>(
            List.of(
                "compatibility_level = 3.6",
                "queue_directory = " + r + "/queue",
                "data_directory = " + r + "/data",
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "myhostname = mx.example.test",
                "mydomain = example.test",
                "myorigin = example.test",
                "mydestination =",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "mynetworks = 192.0.2.0/24",
                "relayhost =",
                "alias_maps =",
                "alias_database =",
                "virtual_mailbox_domains = example.test",
                "virtual_mailbox_base = " + r + "/mail",
                "virtual_mailbox_maps = static:inbox",
                "virtual_uid_maps = static:65534",
                "virtual_gid_maps = static:65534",
                "maillog_file_prefixes = " + r,
                "maillog_file = " + r + "/maillog",
                "smtputf8_enable = no",
                "biff = no"));
    main.addAll(extra); // a later line wins in main.cf
    Files.writeString(etc.resolve("main.cf"), String.join("\n", main) + "\n");
    StringBuilder master = new StringBuilder();
    master.append("127.0.0.1:").append(smtpPort).append(" inet n - n - - smtpd\n");
    // name type private unpriv maxproc-related columns as in Debian's master.cf, never chrooted
    String[][] services = {
      {"pickup", "unix", "n", "-", "60", "1", "pickup"},
      {"cleanup", "unix", "n", "-", "-", "0", "cleanup"},
      {"qmgr", "unix", "n", "-", "300", "1", "qmgr"},
      {"rewrite", "unix", "-", "-", "-", "-", "trivial-rewrite"},
      {"bounce", "unix", "-", "-", "-", "0", "bounce"},
      {"defer", "unix", "-", "-", "-", "0", "bounce"},
      {"trace", "unix", "-", "-", "-", "0", "bounce"},
      {"verify", "unix", "-", "-", "-", "1", "verify"},
      {"flush", "unix", "n", "-", "1000?", "0", "flush"},
      {"proxymap", "unix", "-", "-", "-", "-", "proxymap"},
      {"proxywrite", "unix", "-", "-", "-", "1", "proxymap"},
      {"smtp", "unix", "-", "-", "-", "-", "smtp"},
      {"relay", "unix", "-", "-", "-", "-", "smtp"},
      {"showq", "unix", "n", "-", "-", "-", "showq"},
      {"error", "unix", "-", "-", "-", "-", "error"},
      {"retry", "unix", "-", "-", "-", "-", "error"},
      {"discard", "unix", "-", "-", "-", "-", "discard"},
      {"local", "unix", "-", "n", "-", "-", "local"},
      {"virtual", "unix", "-", "n", "-", "-", "virtual"},
      {"anvil", "unix", "-", "-", "-", "1", "anvil"},
      {"scache", "unix", "-", "-", "-", "1", "scache"},
      {"postlog", "unix-dgram", "n", "-", "-", "1", "postlogd"},
    };
    for (String[] s : services) {
      master.append(String.join(" ", s[0], s[1], s[2], s[3], "n", s[4], s[5], s[6])).append('\n');
    }
    Files.writeString(etc.resolve("master.cf"), master.toString());
  }

  public String log() throws IOException {
    Path p = maillog();
    return Files.exists(p) ? Files.readString(p) : "(no maillog)";
  }

  /** What swaks exited with and printed. */
  public record Result(int code, String output) {}

  /** Sends one message to this instance with swaks; {@code args} are swaks options. */
  public Result swaks(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(swaks, "--server", "127.0.0.1:" + smtpPort));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("swaks hung:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  /** The inbox's content once {@code ready} holds for it, failing after 20 s. */
  public String awaitInbox(Predicate<String> ready) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String content = "";
    while (System.nanoTime() < deadline) {
      content = Files.exists(inbox()) ? Files.readString(inbox(), StandardCharsets.ISO_8859_1) : "";
      if (ready.test(content)) return content;
      Thread.sleep(100);
    }
    fail("mailbox never got there:\n" + content + "\npostfix log:\n" + log());
    return content;
  }

  /** Runs a command, failing on a non-zero exit; Postfix reports fatal errors in maillog. */
  public String run(List<String> cmd, int seconds) throws Exception {
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " hung:\n" + out);
    }
    if (p.exitValue() != 0) {
      fail(String.join(" ", cmd) + " failed (" + p.exitValue() + "):\n" + out + "\n" + log());
    }
    return out;
  }

  public static void chown(String owner, Path p) throws Exception {
    if (new ProcessBuilder("chown", owner, p.toString()).inheritIO().start().waitFor() != 0) {
      fail("chown " + owner + " " + p + " failed");
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void awaitPort(int port, String context) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    fail("postfix did not listen on " + port + ":\n" + context + "\n" + log());
  }
}
