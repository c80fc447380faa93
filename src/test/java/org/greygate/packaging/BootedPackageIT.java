package org.greygate.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.greygate.testing.BootedDebian;
import org.greygate.testing.BootedDebian.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package as an admin meets it: installed with apt-get on Debian 12 booted with systemd
 * as PID 1 (a container, see {@link BootedDebian}), started, asked, reloaded, watched, upgraded,
 * stopped and purged through systemctl and the real files: /var/log/mail.log written by rsyslog,
 * Postfix delivering through greygate's socket inside its chroot, the queue watch set up exactly as
 * docs/outbound.md says. Nothing is installed on the machine running the test. The same root, not
 * booted, shows what an install without systemd says.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootedPackageIT {
  static Path deb;
  static String version;
  static String newer;
  static Path root;
  static BootedDebian debian;
  @TempDir static Path in;
  @TempDir static Path work;

  static final String UNIT = "greygate.service";

  @BeforeAll
  static void boot() throws Exception {
    BootedDebian.requirements();
    deb = DebianPackageIT.findDeb();
    version = DebianPackageIT.run("dpkg-deb", "-f", deb.toString(), "Version").out().strip();
    newer = version + "+upgrade1";
    Files.copy(deb, in.resolve(deb.getFileName()));
    DebianPackageIT.repackAs(deb, version, newer, work, in);
    // what a root run from the source tree leaves: greygate's launcher and jar, run as root
    Files.copy(Path.of("target/greygate.jar"), in.resolve("greygate.jar"));
    Files.copy(
        Path.of("bin/greygate-jvm"),
        in.resolve("greygate-jvm"),
        StandardCopyOption.COPY_ATTRIBUTES);
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Files.writeString(
        in.resolve("seed.dump"),
        "# greygate dump 1\ntriplet 192.0.2/seed@example.org/alice@localhost "
            + t.minus(Duration.ofHours(2))
            + " "
            + t.minus(Duration.ofHours(1))
            + "\n");
    root = BootedDebian.root();
    debian = BootedDebian.boot(root, in, work);
  }

  @AfterAll
  static void shutDown() {
    if (debian != null) {
      debian.close();
    }
  }

  @Test
  @Order(1)
  void installsOverTheStateARootRunLeftStartsReadyAsGreygate() throws Exception {
    // README's first command used to put the greylist here as root (and the unit's native
    // library directory with it): the package takes such a directory over
    debian.must(
        "mkdir -p /var/lib/greygate && GREYGATE_NATIVE_DIR=/var/lib/greygate/native"
            + " /mnt/in/greygate-jvm /mnt/in/greygate.jar db load --dbdir=/var/lib/greygate"
            + " /mnt/in/seed.dump");
    assertEquals(
        "root root",
        debian
            .must("stat -c '%U %G' /var/lib/greygate /var/lib/greygate/native | sort -u")
            .strip());

    Result install = debian.exec("apt-get", "install", "-y", "/mnt/in/" + deb.getFileName());
    assertEquals(0, install.code(), install.out());
    assertTrue(install.out().contains("took over /var/lib/greygate"), install.out());

    assertEquals("active", debian.property(UNIT, "ActiveState"), journal());
    assertEquals("running", debian.property(UNIT, "SubState"));
    // Type=notify: active means greygate itself said READY=1, once listening
    assertEquals("notify", debian.property(UNIT, "Type"));
    assertTrue(
        debian.property(UNIT, "StatusText").contains("ready, listening on 127.0.0.1:10023"),
        debian.property(UNIT, "StatusText"));
    String pid = debian.property(UNIT, "MainPID");
    assertEquals("greygate greygate", debian.must("ps -o user=,group= -p " + pid).strip());
    assertEquals("0", debian.property(UNIT, "NRestarts"));
    // WantedBy=multi-user.target: a new install enables it
    assertEquals("enabled", debian.exec("systemctl", "is-enabled", UNIT).out().strip());

    // StateDirectory=, StateDirectoryMode=, Environment=GREYGATE_NATIVE_DIR: all greygate's now
    assertEquals(
        "greygate greygate 700", debian.must("stat -c '%U %G %a' /var/lib/greygate").strip());
    assertEquals("", debian.must("find /var/lib/greygate ! -user greygate").strip());
    assertTrue(
        debian.must("ls /var/lib/greygate/native").contains("lmdb"),
        "the native library in the unit's GREYGATE_NATIVE_DIR");
    // the triplet the root run stored is in the daemon's greylist
    assertTrue(
        debian.must("runuser -u greygate -- greygate db stats").contains("triplets: 1"),
        debian.must("runuser -u greygate -- greygate db stats"));
    // LimitNOFILE=65536, or as near as the machine allows (a container cannot raise its hard
    // limit above the host's)
    long hard = openFiles("1", 2);
    assertEquals(Math.min(65536, hard), openFiles(pid, 1), "open files of the daemon");
  }

  @Test
  @Order(2)
  void installsItsFilesAndAUnitSystemdAccepts() throws Exception {
    assertTrue(debian.must("greygate --version").startsWith("greygate " + version));
    assertClassArchiveFor(version);
    assertEquals("/usr/share/man/man1/greygate.1.gz", debian.must("man -w greygate").strip());
    assertEquals(
        "/usr/share/man/man1/greygate-serve.1.gz", debian.must("man -w greygate-serve").strip());
    debian.must("test -f /usr/share/bash-completion/completions/greygate");
    debian.must("test -f /usr/share/doc/greygate/examples/domains.conf");
    debian.must("getent passwd greygate");
    String conffiles = debian.must("dpkg-query --showformat='${Conffiles}' -W greygate");
    for (String f :
        List.of(
            "/etc/greygate/greygate.conf",
            "/etc/greygate/whitelist_clients",
            "/etc/greygate/whitelist_clients.local",
            "/etc/greygate/whitelist_recipients",
            "/etc/greygate/whitelist_recipients.local",
            "/etc/default/greygate")) {
      assertTrue(conffiles.contains(f + " "), f + " is a conffile: " + conffiles);
    }
    Result verify = debian.exec("systemd-analyze", "verify", UNIT);
    assertEquals(0, verify.code(), verify.out());
    String security = debian.exec("systemd-analyze", "security", UNIT).out();
    Matcher m = Pattern.compile("exposure level for greygate.service: ([0-9.]+)").matcher(security);
    assertTrue(m.find(), security);
    assertTrue(Double.parseDouble(m.group(1)) <= 2.5, security);
  }

  @Test
  @Order(3)
  void answersAPolicyRequestAndLogsTheDecisionToMailLog() throws Exception {
    assertTrue(ask("b@example.net").startsWith("action=DEFER_IF_PERMIT"));
    // SyslogIdentifier=, SyslogFacility=mail: the journal hands it to rsyslog, which files it
    // under mail
    String line =
        debian.await(
            "the decision in /var/log/mail.log",
            "grep -E ' greygate\\[[0-9]+\\]: .*action=greylist, reason=new, .*"
                + "client_address=192.0.2.7, .*recipient=b@example.net' /var/log/mail.log",
            Duration.ofSeconds(15));
    assertFalse(line.isBlank());

    // root's tools on the live daemon's directory, as cron or an admin runs them: they work as
    // greygate, read what the daemon wrote, and leave nothing of root's behind
    String report = debian.must("greygate report --log=/var/log/mail.log --format=csv");
    assertTrue(report.contains("greylist"), report);
    debian.must("greygate db stats");
    assertEquals("", debian.must("find /var/lib/greygate ! -user greygate").strip());
  }

  @Test
  @Order(4)
  void reloadsOnSystemctlReloadWithoutARestart() throws Exception {
    String pid = debian.property(UNIT, "MainPID");
    int mark = mailLogLines();
    Result reload = debian.exec("systemctl", "reload", UNIT);
    assertEquals(0, reload.code(), reload.out());
    debian.await(
        "the reload in mail.log",
        "tail -n +" + (mark + 1) + " /var/log/mail.log | grep ' greygate.*whitelists reloaded'",
        Duration.ofSeconds(15));
    assertEquals(pid, debian.property(UNIT, "MainPID"), "the same process");
    assertEquals("active", debian.property(UNIT, "ActiveState"));
  }

  @Test
  @Order(5)
  void theQueueWatchSetUpAsDocumentedReadsTheQueueAndRaisesAHoldAlert() throws Exception {
    String doc = Files.readString(Path.of("docs/outbound.md"));
    String opts = block(doc, "GREYGATE_OPTS=");
    String dropIn = block(doc, "[Service]");
    // a message in the hold queue
    debian.must(
        "printf 'Subject: held\\n\\nheld\\n' | /usr/sbin/sendmail -f root nobody@example.net");
    debian.await(
        "the message queued", "postqueue -j | grep -q nobody@example.net", Duration.ofSeconds(15));
    // a message still being picked up is not held by the first postsuper -h: until it is
    debian.await(
        "the message held",
        "postsuper -h ALL; postqueue -j | grep -q '\"queue_name\": \"hold\"'",
        Duration.ofSeconds(15));

    // as the docs say: the options in /etc/default/greygate, the groups in a drop-in
    // (what `systemctl edit greygate` writes)
    debian.must("cat > /etc/default/greygate <<'EOF'\n" + opts + "EOF");
    debian.must(
        "mkdir -p /etc/systemd/system/greygate.service.d && cat >"
            + " /etc/systemd/system/greygate.service.d/override.conf <<'EOF'\n"
            + dropIn
            + "EOF");
    int mark = mailLogLines();
    debian.must("systemctl daemon-reload && systemctl restart greygate");
    String since = "tail -n +" + (mark + 1) + " /var/log/mail.log";
    // (greygate's lines so far are the output: a failure shows what it said instead)
    debian.await(
        "a hold watermark alert in mail.log",
        "lines=$("
            + since
            + " | grep ' greygate\\['); echo \"$lines\"; echo \"$lines\" | grep -qE"
            + " 'action=queue-alert, alert=watermark, queue=hold, count=1, threshold=1'",
        Duration.ofSeconds(30));
    String after = debian.must(since + " | grep ' greygate' || true");
    assertFalse(after.contains("failed"), after);
    assertFalse(after.contains("cannot read"), "it reads the mail log (group adm):\n" + after);
    debian.must("postsuper -d ALL hold");
  }

  @Test
  @Order(6)
  void postfixDeliversThroughGreygatesSocketInItsChroot() throws Exception {
    // Debian runs smtpd chrooted in /var/spool/postfix: the socket's path is relative to it
    assertEquals("y", debian.must("postconf -F smtp/inet/chroot | sed 's/.* = //'").strip());
    debian.must(
        "useradd -m alice && postconf -e 'smtpd_recipient_restrictions = reject_unauth_destination,"
            + " check_policy_service unix:greygate/policy.sock' && systemctl reload postfix");
    String opts = debian.must(". /etc/default/greygate && echo \"$GREYGATE_OPTS\"").strip();
    debian.must(
        "echo 'GREYGATE_OPTS=\""
            + opts
            + " --unix=/var/spool/postfix/greygate/policy.sock --delay=1\"' > /etc/default/greygate"
            + " && systemctl restart greygate");
    assertEquals(
        "greygate postfix",
        debian.must("stat -c '%U %G' /var/spool/postfix/greygate/policy.sock").strip());
    String swaks =
        "swaks --server 127.0.0.1:25 --helo mx.example.org --from carol@example.org"
            + " --to alice@localhost --header 'Subject: through greygate'";
    Result first = debian.sh(swaks);
    assertNotEquals(0, first.code(), first.out());
    assertTrue(
        first.out().contains("<** 450 ") && first.out().contains("Greylisted"),
        "greylisted:\n" + first.out());
    debian.await("accepted after the delay", swaks, Duration.ofSeconds(20));
    debian.await(
        "delivered to alice's mailbox",
        "grep -q '^Subject: through greygate' /var/mail/alice",
        Duration.ofSeconds(20));
    String log = debian.must("grep -E 'greygate|status=sent' /var/log/mail.log");
    assertTrue(log.contains("action=greylist, reason=new"), log);
    assertTrue(log.contains("recipient=alice@localhost"), log);
    assertTrue(log.contains("status=sent (delivered to mailbox)"), log);
  }

  /**
   * The second unit: the queue watch reads Postfix's queue as Postfix's user, the spool read-only
   * for it alone; the policy daemon cannot read the queue at all.
   */
  @Test
  @Order(7)
  void theQueueWatchUnitReadsTheQueueAsPostfixWithTheSpoolReadOnly() throws Exception {
    String qw = "greygate-queue-watch.service";
    assertEquals("disabled", debian.exec("systemctl", "is-enabled", qw).out().strip());
    Result verify = debian.exec("systemd-analyze", "verify", qw);
    assertEquals(0, verify.code(), verify.out());
    String security = debian.exec("systemd-analyze", "security", qw).out();
    Matcher m =
        Pattern.compile("exposure level for greygate-queue-watch.service: ([0-9.]+)")
            .matcher(security);
    assertTrue(m.find(), security);
    assertTrue(Double.parseDouble(m.group(1)) <= 2.5, security);
    System.out.println("greygate-queue-watch.service: systemd-analyze security " + m.group(1));
    String conffiles = debian.must("dpkg-query --showformat='${Conffiles}' -W greygate");
    assertTrue(conffiles.contains("/etc/default/greygate-queue-watch "), conffiles);

    // one held message (none left by an earlier test)
    debian.must("postsuper -d ALL hold || true");
    debian.must(
        "printf 'Subject: held\\n\\nheld\\n' | /usr/sbin/sendmail -f root nobody@example.net");
    debian.await(
        "the message queued", "postqueue -j | grep -q nobody@example.net", Duration.ofSeconds(15));
    debian.await(
        "the message held",
        "postsuper -h ALL; postqueue -j | grep -q '\"queue_name\": \"hold\"'",
        Duration.ofSeconds(15));
    debian.must(
        "echo 'GREYGATE_QUEUE_WATCH_OPTS=\"--queue-interval=2s --queue-alert=hold:1"
            + " --mail-log=/var/log/mail.log\"' > /etc/default/greygate-queue-watch");
    int mark = mailLogLines();
    debian.must("systemctl enable --now " + qw);
    String since = "tail -n +" + (mark + 1) + " /var/log/mail.log";
    debian.await(
        "the queue watch unit's hold alert in mail.log",
        "lines=$("
            + since
            + " | grep ' greygate-queue-watch\\['); echo \"$lines\"; echo \"$lines\" | grep -qE"
            + " 'action=queue-alert, alert=watermark, queue=hold, count=[0-9]+, threshold=1'",
        Duration.ofSeconds(45));
    String lines = debian.must(since + " | grep ' greygate-queue-watch' || true");
    assertFalse(lines.contains("cannot read"), "it reads the mail log (group adm):\n" + lines);
    assertFalse(lines.contains("failed"), lines);
    String pid = debian.property(qw, "MainPID");
    assertEquals(
        "postfix postfix",
        debian.must("ps -o user=,group= -p " + pid).strip().replaceAll("\\s+", " "));

    // inside the unit, as the unit's user: the spool is there to read, and read-only
    String asWatch = "nsenter -t " + pid + " -m -S $(id -u postfix) -G $(id -g postfix) ";
    assertTrue(
        debian.must(asWatch + "ls /var/spool/postfix/hold").strip().length() > 0,
        "the held message's file is visible to the watch");
    Result write = debian.sh(asWatch + "touch /var/spool/postfix/hold/planted");
    assertNotEquals(0, write.code(), write.out());
    assertTrue(write.out().contains("Read-only file system"), write.out());
    // the policy daemon, as its user in its own unit: the queue is not its to read
    String daemon = debian.property(UNIT, "MainPID");
    Result peek =
        debian.sh(
            "nsenter -t "
                + daemon
                + " -m -S $(id -u greygate) -G $(id -g greygate) ls /var/spool/postfix/hold");
    assertNotEquals(0, peek.code(), peek.out());
    assertTrue(peek.out().contains("Permission denied"), peek.out());

    debian.must("systemctl disable --now " + qw + " && postsuper -d ALL hold");
  }

  /**
   * What an intruder does to the queue, under the real unit: planted files and links, a queue tool
   * run through sudo by a user who is no mail admin, hold-release cycles; then root's snapshot of
   * the queue, verified, and refused once a byte of it changed.
   */
  @Test
  @Order(8)
  void theQueueWatchUnitCatchesWhatAnIntruderDoesToTheQueue() throws Exception {
    String qw = "greygate-queue-watch.service";
    // the SOC's webhook: systemd itself accepts on a loopback port, one service per call keeps
    // the request (headers and body) in a file and answers 204
    debian.must(
        "cat > /etc/systemd/system/soc.socket <<'EOF'\n[Socket]\nListenStream=127.0.0.1:8099\n"
            + "Accept=yes\nEOF\ncat > /etc/systemd/system/soc@.service <<'EOF'\n[Service]\n"
            + "StandardInput=socket\nStandardOutput=socket\nExecStart=/bin/sh -c 'printf"
            + " \"HTTP/1.1 204 No Content\\\\r\\\\nConnection: close\\\\r\\\\n\\\\r\\\\n\"; timeout 5 cat >"
            + " /run/soc-call-$$$$'\nEOF\nsystemctl daemon-reload && systemctl start soc.socket"
            + " && install -m 0640 -g postfix /dev/null /etc/greygate/webhook.key"
            + " && printf k > /etc/greygate/webhook.key");
    debian.must(
        "echo 'GREYGATE_QUEUE_WATCH_OPTS=\"--queue-interval=2s --mail-log=/var/log/mail.log"
            + " --spool-watch --auth-log=/var/log/auth.log --queue-admins=root"
            + " --release-burst=3 --alert-webhook=http://127.0.0.1:8099/soc"
            + " --alert-webhook-secret=/etc/greygate/webhook.key\"' >"
            + " /etc/default/greygate-queue-watch");
    int mark = mailLogLines();
    debian.must("systemctl start " + qw);
    String since =
        "tail -n +" + (mark + 1) + " /var/log/mail.log | grep ' greygate-queue-watch\\['";
    debian.await(
        "the spool watch started",
        "lines=$(" + since + "); echo \"$lines\"; echo \"$lines\" | grep -q 'spool watch'",
        Duration.ofSeconds(30));
    // a file planted in hold/ owned by nobody, a link in a new hash directory of deferred/
    debian.must(
        "install -o nobody -m 600 /dev/null /var/spool/postfix/hold/ABCDE31337"
            + " && mkdir -p /var/spool/postfix/deferred/6 && chown postfix /var/spool/postfix/deferred/6"
            + " && chmod 700 /var/spool/postfix/deferred/6"
            + " && ln -s /etc/shadow /var/spool/postfix/deferred/6/6ABCDE");
    debian.await(
        "the planted file named within 10 s",
        "lines=$("
            + since
            + "); echo \"$lines\"; echo \"$lines\" | grep -q 'alert=spool-owner, queue=hold,"
            + " file=hold/ABCDE31337'",
        Duration.ofSeconds(10));
    debian.await(
        "the planted link named within 10 s",
        "lines=$("
            + since
            + "); echo \"$lines\"; echo \"$lines\" | grep -q 'alert=spool-type.*6ABCDE'",
        Duration.ofSeconds(10));
    // the SOC got the alert, signed with the key
    String call =
        debian.await(
            "the webhook called with the planted file's alert",
            "f=$(grep -l 'spool-owner' /run/soc-call-* 2>/dev/null | head -n 1)"
                + " && test -n \"$f\" && cat \"$f\"",
            Duration.ofSeconds(15));
    assertTrue(call.contains("POST /soc"), call);
    assertTrue(call.contains("\"alert\":\"spool-owner\""), call);
    String body = call.substring(call.indexOf("\r\n\r\n") + 4).strip();
    assertTrue(
        call.contains(
            "X-Greygate-Signature: sha256="
                + org.greygate.queue.hooks.ResponseHooks.sign(
                    "k".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    body.getBytes(java.nio.charset.StandardCharsets.UTF_8))),
        call);
    // sudo's line for a user who is no mail admin, releasing the whole hold queue
    debian.must(
        "logger -p authpriv.notice -t sudo '  mallory : TTY=pts/0 ; PWD=/home/mallory ;"
            + " USER=root ; COMMAND=/usr/sbin/postsuper -r ALL'");
    debian.await(
        "a HIGH alert naming the user",
        "lines=$("
            + since
            + "); echo \"$lines\"; echo \"$lines\" | grep 'alert=queue-tool,' | grep -q"
            + " 'severity=high.*user=mallory'",
        Duration.ofSeconds(15));
    debian.must("rm -f /var/spool/postfix/hold/ABCDE31337 /var/spool/postfix/deferred/6/6ABCDE");
    // three hold → release cycles within the hour: rule C
    for (int i = 0; i < 3; i++) {
      debian.must(
          "printf 'Subject: c\\n\\nc\\n' | /usr/sbin/sendmail -f root nobody" + i + "@example.net");
      debian.await(
          "held",
          "postsuper -h ALL; postqueue -j | grep -q '\"queue_name\": \"hold\"'",
          Duration.ofSeconds(15));
      debian.must("postsuper -H ALL");
    }
    debian.await(
        "the hold-release alert",
        "lines=$(" + since + "); echo \"$lines\"; echo \"$lines\" | grep -q 'alert=hold-release'",
        Duration.ofSeconds(20));
    // an honest busy queue meanwhile: 100 messages delivered to alice, then the planted file and
    // link (and the hash directory root made for it, seen before its chown) were the only spool
    // alerts
    debian.must(
        "for i in $(seq 100); do printf 'Subject: m%s\\n\\nm\\n' $i | /usr/sbin/sendmail -f"
            + " root alice@localhost; done");
    debian.await(
        "the 100 delivered",
        "test \"$(grep -c '^Subject: m[0-9]' /var/mail/alice)\" -ge 100",
        Duration.ofSeconds(60));
    String spool =
        debian.must(
            since
                + " | grep 'alert=spool-' | grep -v -e ABCDE31337 -e 6ABCDE -e 'directory=deferred/6'"
                + " || true");
    assertEquals("", spool.strip(), "spool alerts on an honest queue");
    debian.must(
        "systemctl stop "
            + qw
            + " soc.socket && postsuper -d ALL"
            + " && rm -f /etc/greygate/webhook.key");

    // root's snapshot of the queue: verified, then refused once a byte changed
    debian.must(
        "printf 'Subject: s\\n\\ns\\n' | /usr/sbin/sendmail -f root nobody@example.net"
            + " && sleep 1 && postsuper -h ALL");
    String hash = debian.must("greygate queue snapshot --out=/root/snap1 2>/dev/null").strip();
    assertTrue(hash.matches("[0-9a-f]{64}  .*manifest.txt"), hash);
    Result verify = debian.exec("greygate", "queue", "verify", "/root/snap1");
    assertEquals(0, verify.code(), verify.out());
    debian.must(
        "size=$(stat -c %s /root/snap1/queue.zip) && printf 'X' | dd of=/root/snap1/queue.zip"
            + " bs=1 seek=$((size / 2)) conv=notrunc status=none");
    Result tampered = debian.exec("greygate", "queue", "verify", "/root/snap1");
    assertEquals(1, tampered.code(), tampered.out());
    debian.must("postsuper -d ALL");
  }

  @Test
  @Order(9)
  void restartsAfterACrash() throws Exception {
    String pid = debian.property(UNIT, "MainPID");
    debian.must("kill -KILL " + pid);
    debian.await(
        "restarted by Restart=on-failure",
        "test \"$(systemctl show -p NRestarts --value greygate)\" = 1"
            + " && systemctl is-active -q greygate",
        Duration.ofSeconds(30));
    assertNotEquals(pid, debian.property(UNIT, "MainPID"));
  }

  @Test
  @Order(10)
  void upgradesKeepingSettingsAndGreylistAndRestartsOntoTheNewJar() throws Exception {
    String settings = debian.must("cat /etc/default/greygate");
    String dropIn = debian.must("cat /etc/systemd/system/greygate.service.d/override.conf");
    String pid = debian.property(UNIT, "MainPID");
    Result upgrade =
        debian.exec("apt-get", "install", "-y", "/mnt/in/greygate_" + newer + "_all.deb");
    assertEquals(0, upgrade.code(), upgrade.out());
    assertEquals(newer, debian.must("dpkg-query --showformat='${Version}' -W greygate").strip());
    debian.must("test ! -e /usr/share/greygate/greygate-" + version + ".jar");
    debian.must("test ! -e /usr/share/greygate/greygate-" + version + ".jsa");
    assertClassArchiveFor(newer);
    assertEquals(settings, debian.must("cat /etc/default/greygate"), "settings kept");
    assertEquals(dropIn, debian.must("cat /etc/systemd/system/greygate.service.d/override.conf"));

    assertEquals("active", debian.property(UNIT, "ActiveState"), journal());
    String now = debian.property(UNIT, "MainPID");
    assertNotEquals(pid, now, "restarted");
    assertTrue(
        debian.must("tr '\\0' ' ' < /proc/" + now + "/cmdline").contains("greygate-" + newer),
        "onto the new version's jar");
    // the greylist survived: the triplet greylisted before the upgrade now passes
    String reply = ask("b@example.net");
    assertFalse(reply.contains("DEFER"), reply);
  }

  @Test
  @Order(11)
  void stopsWithResultSuccess() throws Exception {
    Result stop = debian.exec("systemctl", "stop", UNIT);
    assertEquals(0, stop.code(), stop.out());
    assertEquals("inactive", debian.property(UNIT, "ActiveState"));
    // Java reports 143 for SIGTERM; SuccessExitStatus=143 makes that a success
    assertEquals("success", debian.property(UNIT, "Result"), journal());
    assertEquals("143", debian.property(UNIT, "ExecMainStatus"));
  }

  @Test
  @Order(12)
  void purgeRemovesItsFilesAndTheGreylist() throws Exception {
    Result purge = debian.exec("apt-get", "purge", "-y", "greygate");
    assertEquals(0, purge.code(), purge.out());
    assertNotEquals(0, debian.exec("dpkg", "-s", "greygate").code(), "not installed any more");
    for (String gone :
        List.of(
            "/usr/bin/greygate",
            "/usr/share/greygate",
            "/etc/greygate",
            "/etc/default/greygate",
            "/var/lib/greygate",
            "/var/spool/postfix/greygate",
            "/lib/systemd/system/greygate.service",
            "/etc/systemd/system/multi-user.target.wants/greygate.service",
            "/usr/share/man/man1/greygate.1.gz",
            "/usr/share/doc/greygate")) {
      debian.must("test ! -e " + gone + " && test ! -L " + gone);
    }
    // the admin's drop-in is the admin's: purge leaves /etc/systemd/system/greygate.service.d
  }

  @Test
  @Order(13)
  void withoutSystemdTheInstallSaysTheServiceWasNotStarted() throws Exception {
    Result r = BootedDebian.run(root, in, "apt-get install -y /mnt/in/" + deb.getFileName());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("greygate.service was not started"), r.out());
    assertTrue(r.out().contains("systemctl start greygate"), r.out());
  }

  @Test
  @Order(14)
  void refusesAStateDirectoryThatIsNotItsToTakeOver() throws Exception {
    // another user's directory: giving it to greygate would hand over that user's files
    Result other =
        BootedDebian.run(
            root,
            in,
            "install -d -o nobody /var/lib/greygate && touch /var/lib/greygate/data.mdb"
                + " && chown nobody /var/lib/greygate/data.mdb && apt-get install -y /mnt/in/"
                + deb.getFileName()
                + "; echo \"exit=$?\"; echo owners $(stat -c '%U' /var/lib/greygate"
                + " /var/lib/greygate/data.mdb)");
    assertTrue(other.out().contains("exit=100"), other.out());
    assertTrue(other.out().contains("greygate: /var/lib/greygate belongs to nobody"), other.out());
    assertTrue(other.out().contains("owners nobody nobody\n"), other.out());
    // a link: chown -R through it would give greygate what it points at
    Result link =
        BootedDebian.run(
            root,
            in,
            "ln -s /etc /var/lib/greygate && apt-get install -y /mnt/in/"
                + deb.getFileName()
                + "; echo \"exit=$?\"; echo owner $(stat -c '%U' /etc /etc/passwd)");
    assertTrue(link.out().contains("exit=100"), link.out());
    assertTrue(link.out().contains("greygate: /var/lib/greygate is a symbolic link"), link.out());
    assertTrue(link.out().contains("owner root root\n"), link.out());
  }

  /**
   * postinst wrote the class archive for the installed jar: root's, readable by the daemon's user,
   * writable by nobody else, and a start uses it.
   */
  static void assertClassArchiveFor(String v) throws Exception {
    String archive = "/usr/share/greygate/greygate-" + v + ".jsa";
    assertEquals("root 644", debian.must("stat -c '%U %a' " + archive).strip());
    String used = debian.must("GREYGATE_JAVA_OPTS=-Xlog:class+load greygate --version");
    assertTrue(
        used.contains("org.greygate.Main source: shared objects file (top)"),
        "the launcher maps the archive: "
            + used.lines().filter(l -> l.contains("org.greygate.Main")).toList());
  }

  /** A policy request for a RCPT to {@code recipient}, over TCP inside the container. */
  static String ask(String recipient) throws Exception {
    Result r =
        debian.exec(
            "bash",
            "-c",
            "exec 3<>/dev/tcp/127.0.0.1/10023 && printf 'request=smtpd_access_policy\\n"
                + "protocol_state=RCPT\\nprotocol_name=SMTP\\nclient_address=192.0.2.7\\n"
                + "client_name=mx.example.org\\nhelo_name=mx.example.org\\nsender=a@example.org\\n"
                + "recipient="
                + recipient
                + "\\n\\n' >&3 && IFS= read -r line <&3 && echo \"$line\"");
    assertEquals(0, r.code(), r.out());
    return r.out().strip();
  }

  /** A process's limit of open files inside: field 1 the soft limit, 2 the hard one. */
  static long openFiles(String pid, int field) throws Exception {
    String line =
        debian.must("grep 'Max open files' /proc/" + pid + "/limits").strip().split(" {2,}")[field];
    return Long.parseLong(line.strip());
  }

  static int mailLogLines() throws Exception {
    return Integer.parseInt(debian.must("wc -l < /var/log/mail.log").strip());
  }

  static String journal() throws Exception {
    return debian.exec("journalctl", "-u", UNIT, "--no-pager", "-n", "40").out();
  }

  /** The first fenced block of {@code doc} that holds {@code marker}, with a final newline. */
  static String block(String doc, String marker) {
    Matcher m = Pattern.compile("(?m)^ *```[a-z]*\\n(.*?)^ *```", Pattern.DOTALL).matcher(doc);
    while (m.find()) {
      if (m.group(1).contains(marker)) {
        return m.group(1).replaceAll("(?m)^ +", "");
      }
    }
    throw new AssertionError("no block with " + marker);
  }
}
