package org.greygate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A Debian 12 machine booted with systemd as PID 1, in a container: {@code systemd-nspawn} over the
 * root {@code scripts/debian-root} builds (and keeps) under /var/lib/machines, on a throw-away
 * overlay ({@code --volatile=overlay}, so every boot starts from the same clean root and nothing is
 * written to it), with a network of its own that holds only loopback ({@code --private-network}). A
 * host directory is visible inside, read-only, as /mnt/in. Commands run inside with {@code nsenter}
 * into the container's init.
 *
 * <p>The host needs no systemd of its own ({@code --register=no --keep-unit}). A machine that
 * cannot boot one skips the test with the reason, or fails it under CI=true. {@link #close} (and,
 * should the test JVM be stopped, a shutdown hook) shuts the container down; a container that does
 * not stop in time has its PID namespace killed, which ends every process in it.
 */
public final class BootedDebian implements AutoCloseable {
  private final Process nspawn;
  private final long init;
  private final Path log;
  private final Thread hook;

  public record Result(int code, String out) {
    public boolean ok() {
      return code == 0;
    }
  }

  private BootedDebian(Process nspawn, long init, Path log) {
    this.nspawn = nspawn;
    this.init = init;
    this.log = log;
    this.hook = new Thread(this::shutDown, "booted-debian-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** The programs a boot needs, and root: skip without them, fail under CI=true. */
  public static void requirements() {
    Requirements.root("systemd-nspawn boots a container only as root");
    Requirements.program("systemd-nspawn", "/usr/bin/systemd-nspawn");
    Requirements.program("nsenter", "/usr/bin/nsenter");
  }

  /**
   * The cached root, built by scripts/debian-root when missing or stale (debootstrap: minutes, the
   * first time on a machine).
   */
  public static Path root() throws Exception {
    requirements();
    Path script = Path.of("scripts/debian-root").toAbsolutePath();
    Process p =
        new ProcessBuilder(script.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(20, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      unavailable("scripts/debian-root did not finish in 20 minutes");
    }
    if (p.exitValue() != 0 || out.isEmpty()) {
      unavailable(
          "scripts/debian-root could not build the Debian root (exit " + p.exitValue() + ")");
    }
    return Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
  }

  /** Boots {@code root} and waits until systemd says the system is up (running or degraded). */
  public static BootedDebian boot(Path root, Path in, Path work) throws Exception {
    String name = "greygate-it-" + ProcessHandle.current().pid();
    Path log = work.resolve(name + ".console");
    Process nspawn =
        new ProcessBuilder(
                "systemd-nspawn",
                "-D",
                root.toString(),
                "--volatile=overlay",
                "--private-network",
                "--register=no",
                "--keep-unit",
                "-M",
                name,
                "--console=passive",
                "--bind-ro=" + in + ":/mnt/in",
                "-b")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    long init = -1;
    while (init < 0 && Instant.now().isBefore(deadline) && nspawn.isAlive()) {
      init = initOf(nspawn).orElse(-1L);
      if (init < 0) {
        Thread.sleep(100);
      }
    }
    if (init < 0) {
      nspawn.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      unavailable("systemd-nspawn started no systemd:\n" + Files.readString(log));
    }
    BootedDebian d = new BootedDebian(nspawn, init, log);
    String state = "";
    while (Instant.now().isBefore(deadline)) {
      state = d.exec("systemctl", "is-system-running").out().strip();
      if (state.equals("running") || state.equals("degraded")) {
        return d;
      }
      Thread.sleep(250);
    }
    String console = Files.readString(log);
    d.close();
    unavailable("the container did not finish booting (" + state + "):\n" + console);
    return null;
  }

  /**
   * Runs {@code script} with /bin/sh -c in {@code root} on a throw-away overlay, without booting it
   * (no systemd running: as in a chroot or a container image build), and returns its output.
   */
  public static Result run(Path root, Path in, String script) throws Exception {
    requirements();
    Process p =
        new ProcessBuilder(
                "systemd-nspawn",
                "-q",
                "-D",
                root.toString(),
                "--volatile=overlay",
                "--private-network",
                "--register=no",
                "--keep-unit",
                "-M",
                "greygate-run-" + ProcessHandle.current().pid(),
                "--console=pipe",
                "--bind-ro=" + in + ":/mnt/in",
                "--setenv=DEBIAN_FRONTEND=noninteractive",
                "--",
                "/bin/sh",
                "-c",
                script)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("did not finish: " + script + "\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  /** Runs a command inside, as root, in a clean environment; output and error together. */
  public Result exec(String... cmd) throws Exception {
    List<String> all =
        new ArrayList<>(
            List.of(
                "nsenter",
                "-t",
                Long.toString(init),
                "-a",
                "env",
                "-i",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG=C.UTF-8",
                "DEBIAN_FRONTEND=noninteractive",
                "SYSTEMD_PAGER=",
                "SYSTEMD_COLORS=0"));
    all.addAll(List.of(cmd));
    Process p = new ProcessBuilder(all).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  /** {@code sh -c script} inside. */
  public Result sh(String script) throws Exception {
    return exec("sh", "-c", script);
  }

  /** {@code sh -c script} inside, which must succeed; its output. */
  public String must(String script) throws Exception {
    Result r = sh(script);
    Assertions.assertEquals(0, r.code(), script + ":\n" + r.out());
    return r.out();
  }

  /** A unit property, as {@code systemctl show -p NAME --value}. */
  public String property(String unit, String name) throws Exception {
    return exec("systemctl", "show", "-p", name, "--value", unit).out().strip();
  }

  /** Waits until {@code script} succeeds inside (a log line arriving, a file appearing). */
  public String await(String what, String script, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    Result r;
    do {
      r = sh(script);
      if (r.ok()) {
        return r.out();
      }
      Thread.sleep(200);
    } while (Instant.now().isBefore(deadline));
    throw new AssertionError(what + ": not within " + timeout + "; last output:\n" + r.out());
  }

  /** The console of the boot so far (systemd's messages), for a failure's report. */
  public String console() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() {
    shutDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs (or ran) shutDown, which is idempotent
    }
  }

  private synchronized void shutDown() {
    if (!nspawn.isAlive()) {
      return;
    }
    // SIGTERM to systemd-nspawn: it asks the container's systemd for a clean shutdown
    nspawn.destroy();
    try {
      if (!nspawn.waitFor(45, TimeUnit.SECONDS)) {
        // killing a PID namespace's init kills everything in it
        ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);
        nspawn.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);
      nspawn.destroyForcibly();
    }
  }

  /** The container's init: the child of systemd-nspawn named systemd. */
  private static Optional<Long> initOf(Process nspawn) {
    return nspawn
        .toHandle()
        .children()
        .filter(
            h -> {
              try {
                return Files.readString(Path.of("/proc/" + h.pid() + "/comm"))
                    .strip()
                    .equals("systemd");
              } catch (IOException e) {
                return false;
              }
            })
        .map(ProcessHandle::pid)
        .findFirst();
  }

  private static void unavailable(String why) {
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(why);
    }
    Assumptions.abort(why);
  }
}
