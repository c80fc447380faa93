package org.greygate.queue.audit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads auditd's log ({@code /var/log/audit/audit.log}) for the events of the rules in {@code
 * config/audit/greygate-postfix.rules}: {@code key="postfix_queue_tool"} (a queue tool executed)
 * and {@code key="postfix_queue_change"} (a file under {@code /var/spool/postfix} written, renamed
 * or removed). One event is several records sharing {@code msg=audit(TIME:SERIAL)}:
 *
 * <pre>
 * type=SYSCALL msg=audit(1765069200.123:812): arch=c000003e syscall=59 success=yes exit=0 ...
 *   ppid=4100 pid=4242 auid=1000 uid=0 ... tty=pts0 ses=3 comm="postsuper"
 *   exe="/usr/sbin/postsuper" ... key="postfix_queue_tool"^]ARCH=x86_64 ... AUID="alice" UID="root" ...
 * type=EXECVE msg=audit(1765069200.123:812): argc=3 a0="postsuper" a1="-d" a2="ALL"
 * type=CWD msg=audit(1765069200.123:812): cwd="/root"
 * type=PATH msg=audit(1765069200.123:812): item=0 name="/usr/sbin/postsuper" ...
 * type=EOE msg=audit(1765069200.123:812):
 * </pre>
 *
 * Values a user controls (arguments, names, the command) are written quoted, or in hex when they
 * hold a space, a quote or a control character; long arguments in pieces ({@code a1[0]=...}). The
 * part after {@code ^]} (0x1d, auditd's {@code log_format = ENRICHED}, Debian's default) names the
 * users. The log is written by auditd alone (root), so unlike the auth log nobody can add lines to
 * it. Changes by Postfix's own programs and by no login user (services, the boot) are not events
 * here. An event is complete at its {@code EOE} record, or at the next {@link #flush} after the one
 * that saw it begin; at most {@link #MAX_PENDING} are pending at once.
 *
 * <p>Not thread-safe.
 */
public final class AuditLog {
  static final int MAX_PENDING = 256;
  static final int MAX_ARGS = 1024;
  static final String TOOL_KEY = "postfix_queue_tool";
  static final String CHANGE_KEY = "postfix_queue_change";
  private static final String UNSET = "4294967295";

  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private long flushes;

  private static final class Pending {
    final boolean change;
    final Map<String, String> syscall;
    final Map<String, String> names;
    final long flush;
    final List<String> args = new ArrayList<>();
    final Map<Integer, StringBuilder> pieces = new HashMap<>();
    int argc = -1;
    String cwd;
    String path;

    Pending(boolean change, Map<String, String> syscall, Map<String, String> names, long flush) {
      this.change = change;
      this.syscall = syscall;
      this.names = names;
      this.flush = flush;
    }
  }

  /** The runs a record completes. */
  public List<ToolRun> line(String text) {
    String s = text;
    if (s.startsWith("node=")) {
      int sp = s.indexOf(' ');
      if (sp < 0) return List.of();
      s = s.substring(sp + 1);
    }
    if (!s.startsWith("type=")) return List.of();
    int sp = s.indexOf(' ');
    if (sp < 0) return List.of();
    String type = s.substring(5, sp);
    if (!s.startsWith("msg=audit(", sp + 1)) return List.of();
    int close = s.indexOf("):", sp);
    if (close < 0) return List.of();
    String id = s.substring(sp + 1 + "msg=audit(".length(), close);
    int gs = s.indexOf('\u001d', close);
    String raw = s.substring(close + 2, gs < 0 ? s.length() : gs);
    List<ToolRun> out = new ArrayList<>(1);
    switch (type) {
      case "SYSCALL" -> syscall(id, raw, gs < 0 ? "" : s.substring(gs + 1), out);
      case "EXECVE" -> {
        Pending p = pending.get(id);
        if (p != null && !p.change) execve(p, fields(raw));
      }
      case "CWD" -> {
        Pending p = pending.get(id);
        if (p != null) p.cwd = untrusted(fields(raw).get("cwd"));
      }
      case "PATH" -> {
        Pending p = pending.get(id);
        if (p != null && p.path == null) {
          Map<String, String> f = fields(raw);
          String name = untrusted(f.get("name"));
          if (name != null && !"PARENT".equals(f.get("nametype"))) p.path = name;
        }
      }
      case "EOE" -> {
        Pending p = pending.remove(id);
        if (p != null) add(out, p);
      }
      default -> {}
    }
    return out;
  }

  /** Completes the events begun before the last flush (their EOE was lost or not yet written). */
  public List<ToolRun> flush() {
    List<ToolRun> out = new ArrayList<>();
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.flush < flushes) {
        it.remove();
        add(out, p);
      }
    }
    flushes++;
    return out;
  }

  private void syscall(String id, String raw, String enriched, List<ToolRun> out) {
    Map<String, String> f = fields(raw);
    String keys = untrusted(f.get("key"));
    if (keys == null) return;
    boolean tool = false;
    boolean change = false;
    for (String k : keys.split("\u0001")) {
      tool |= k.equals(TOOL_KEY);
      change |= k.equals(CHANGE_KEY);
    }
    if (!tool && !change) return;
    String exe = untrusted(f.get("exe"));
    if (!tool && (exe == null || postfixProgram(exe))) return;
    f.put("exe", exe);
    f.put("comm", untrusted(f.get("comm")));
    if (!tool && UNSET.equals(f.get("auid"))) return;
    if (pending.size() >= MAX_PENDING) {
      Iterator<Pending> it = pending.values().iterator();
      Pending oldest = it.next();
      it.remove();
      add(out, oldest);
    }
    pending.put(id, new Pending(!tool, f, fields(enriched), flushes));
  }

  private static void execve(Pending p, Map<String, String> f) {
    String argc = f.get("argc");
    if (argc != null && argc.matches("\\d{1,7}")) p.argc = Integer.parseInt(argc);
    for (Map.Entry<String, String> e : f.entrySet()) {
      String k = e.getKey();
      if (k.length() < 2 || k.charAt(0) != 'a' || k.endsWith("_len")) continue;
      int bracket = k.indexOf('[');
      String index = bracket < 0 ? k.substring(1) : k.substring(1, bracket);
      if (!index.matches("\\d{1,7}")) continue;
      int i = Integer.parseInt(index);
      if (i >= MAX_ARGS) continue;
      String v = untrusted(e.getValue());
      if (v == null) continue;
      StringBuilder b = p.pieces.computeIfAbsent(i, n -> new StringBuilder());
      if (b.length() < 4096) b.append(v, 0, Math.min(v.length(), 4096 - b.length()));
    }
  }

  private static void add(List<ToolRun> out, Pending p) {
    Map<String, String> s = p.syscall;
    String auid = s.get("auid");
    boolean system = auid == null || UNSET.equals(auid);
    String named = untrusted(p.names.get("AUID"));
    String user = named != null ? named : system ? "unset" : auid;
    if (user.equals("unset")) system = true;
    String runAs = untrusted(p.names.get("UID"));
    if (runAs == null) runAs = s.get("uid");
    String exe = s.get("exe") == null ? "" : s.get("exe");
    List<String> detail = new ArrayList<>();
    add(detail, "success", s.get("success"));
    add(detail, "pid", s.get("pid"));
    add(detail, "ses", s.get("ses"));
    add(detail, "tty", s.get("tty"));
    add(detail, "exe", exe);
    if (p.change) {
      String path = p.path;
      if (path != null && !path.startsWith("/") && p.cwd != null) path = p.cwd + "/" + path;
      add(detail, "path", path);
      out.add(
          new ToolRun(
              "auditd",
              user,
              runAs,
              ToolCommand.basename(exe),
              ToolRun.Kind.FILES,
              "",
              false,
              false,
              null,
              system,
              detail));
      return;
    }
    int n = p.pieces.isEmpty() ? 0 : java.util.Collections.max(p.pieces.keySet()) + 1;
    if (p.argc >= 0) n = Math.min(n, p.argc);
    List<String> args = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder b = p.pieces.get(i);
      args.add(b == null ? "" : b.toString());
    }
    String name = ToolCommand.basename(exe);
    if (!ToolCommand.TOOLS.contains(name)) name = ToolCommand.basename(orEmpty(s.get("comm")));
    boolean mass =
        name.equals("postsuper")
            && (p.argc > MAX_ARGS || ToolCommand.mass(args.isEmpty() ? args : args.subList(1, n)));
    add(detail, "cwd", p.cwd);
    out.add(
        new ToolRun(
            "auditd",
            user,
            runAs,
            name,
            ToolRun.Kind.TOOL,
            shown(args),
            mass,
            false,
            null,
            system,
            detail));
  }

  /** The arguments as one line; one holding a space or a quote is shown in single quotes. */
  private static String shown(List<String> args) {
    StringBuilder b = new StringBuilder();
    for (String a : args) {
      if (b.length() > 0) b.append(' ');
      if (a.isEmpty() || a.indexOf(' ') >= 0 || a.indexOf('\'') >= 0 || a.indexOf('"') >= 0) {
        b.append('\'').append(a.replace("'", "'\\''")).append('\'');
      } else {
        b.append(a);
      }
      if (b.length() > 4096) break;
    }
    return b.toString();
  }

  private static void add(List<String> detail, String name, String value) {
    if (value != null && !value.isEmpty()) detail.add(name + "=" + value);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** Postfix's own programs write the queue all day: Debian's daemons and the post* commands. */
  static boolean postfixProgram(String exe) {
    return exe.startsWith("/usr/lib/postfix/")
        || exe.startsWith("/usr/libexec/postfix/")
        || exe.startsWith("/usr/sbin/post") && exe.indexOf('/', "/usr/sbin/".length()) < 0;
  }

  /** {@code name=value} pairs separated by spaces; quotes stay on the values. */
  static Map<String, String> fields(String raw) {
    Map<String, String> out = new LinkedHashMap<>(); // in order: a long argument's pieces
    int i = 0;
    int n = raw.length();
    while (i < n) {
      while (i < n && raw.charAt(i) == ' ') i++;
      int start = i;
      while (i < n && raw.charAt(i) != ' ') i++;
      if (i == start) break;
      String word = raw.substring(start, i);
      int eq = word.indexOf('=');
      if (eq > 0) out.putIfAbsent(word.substring(0, eq), word.substring(eq + 1));
    }
    return out;
  }

  /** A value auditd writes quoted, or in hex when it must; null for none or {@code (null)}. */
  static String untrusted(String v) {
    if (v == null || v.equals("(null)") || v.isEmpty()) return null;
    if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
      return v.substring(1, v.length() - 1);
    }
    if (v.length() % 2 != 0) return v;
    byte[] bytes = new byte[v.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      int hi = Character.digit(v.charAt(2 * i), 16);
      int lo = Character.digit(v.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) return v;
      bytes[i] = (byte) (hi << 4 | lo);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
