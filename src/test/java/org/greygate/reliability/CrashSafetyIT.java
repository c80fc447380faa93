package org.greygate.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL under load, 20 times in a row on one database: after each kill the daemon starts again,
 * {@code greygate db verify} finds the database sound, and every triplet that was answered with a
 * pass more than the durability window before the kill still passes.
 */
class CrashSafetyIT {
  /** The documented durability window (docs/reliability.md), with margin for a loaded CI host. */
  static final long WINDOW_NANOS = 1_000_000_000L;

  static final long T = System.currentTimeMillis() / 1000; // the daemon's sweep runs on real time

  @TempDir Path dir;

  record Passed(int id, long atNanos) {}

  static Map<String, String> request(int id, long time) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "10." + (id >> 16 & 255) + "." + (id >> 8 & 255) + "." + (id & 255));
    m.put("client_name", "mx" + id + ".example.org");
    m.put("sender", "s" + id + "@example.org");
    m.put("recipient", "r@example.net");
    m.put("instance", "i" + id + "." + time);
    m.put("policy_test_time", Long.toString(time));
    return m;
  }

  @Test
  void twentyKillsLoseNothingOutsideTheWindow() throws Exception {
    String db = "--dbdir=" + dir.resolve("db");
    java.nio.file.Files.writeString(dir.resolve("none"), "");
    String[] serveArgs = {
      "--inet=127.0.0.1:0",
      db,
      "--trust-policy-test-time",
      "-q",
      "--auto-whitelist-clients=0",
      "--whitelist-clients=" + dir.resolve("none"),
      "--whitelist-recipients=" + dir.resolve("none"),
      // a pass remembered is DUNNO: so must not be a store that fails after the restart
      Daemon.FAIL_OPEN_OPTION
    };
    AtomicInteger nextId = new AtomicInteger();
    List<Passed> allPassed = Collections.synchronizedList(new ArrayList<>());
    Random rnd = new Random(20);
    for (int round = 0; round < 20; round++) {
      ConcurrentLinkedQueue<Passed> passed = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      long killedAt;
      try (Daemon d = Daemon.serve(serveArgs)) {
        int port = d.port();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          Thread th =
              new Thread(
                  () -> {
                    try (PolicyClient c = PolicyClient.tcp(port)) {
                      while (!stop.get()) {
                        int id = nextId.incrementAndGet();
                        String first = c.ask(request(id, T));
                        if (first == null) {
                          break; // killed
                        }
                        if (!first.startsWith("DEFER_IF_PERMIT")) {
                          errors.add("first " + id + ": " + first);
                        }
                        String second = c.ask(request(id, T + 301));
                        if (second != null && second.startsWith("PREPEND")) {
                          passed.add(new Passed(id, System.nanoTime()));
                        } else if (second == null) {
                          break; // killed
                        } else {
                          errors.add("second " + id + ": " + second);
                        }
                      }
                    } catch (IOException e) {
                      // the kill
                    }
                  });
          th.start();
          load.add(th);
        }
        Thread.sleep(1200 + rnd.nextInt(1300));
        killedAt = System.nanoTime();
        d.signal("KILL");
        d.waitFor(10);
        stop.set(true);
        for (Thread th : load) th.join(10_000);
      }
      assertTrue(errors.isEmpty(), "round " + round + ": " + errors);
      for (Passed p : passed) {
        if (killedAt - p.atNanos() > WINDOW_NANOS) allPassed.add(p);
      }

      try (Daemon verify = Daemon.launch("db", "verify", db)) {
        int code = verify.waitFor(60);
        assertEquals(0, code, "round " + round + " verify:\n" + verify.output());
        assertTrue(verify.output().contains("ok: "), verify.output());
      }
    }
    assertTrue(allPassed.size() > 200, "passes recorded before the window: " + allPassed.size());

    // one last start: every pass older than the window is still known
    try (Daemon d = Daemon.serve(serveArgs);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      List<String> forgotten = new ArrayList<>();
      for (Passed p : allPassed) {
        String a = c.ask(request(p.id(), T + 400));
        if (!"DUNNO".equals(a)) forgotten.add(p.id() + ": " + a);
      }
      assertEquals(
          List.of(),
          forgotten,
          "passed triplets forgotten after a kill (" + allPassed.size() + " checked)");
      System.out.println(
          "crash safety: 20 kills, "
              + allPassed.size()
              + " passes older than the window all remembered");
    }
  }
}
