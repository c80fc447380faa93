package org.greygate.release;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.greygate.config.InvalidSetting;
import org.greygate.feature.ApiPage;
import org.greygate.files.PrivateFiles;
import org.greygate.metrics.Metrics;
import org.greygate.store.TripletStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's release API on its metrics listener: {@code GET /api/greylisted} and {@code POST
 * /api/release}, for callers sending the token of {@code --api-token-file} as a bearer token. Every
 * call is logged (client, path, selectors, count); a wrong or missing token gets 401 with no
 * detail, a caller beyond loopback 403 unless {@code --api-remote}. The token is compared in
 * constant time (digests of both, compared whole).
 */
final class ReleaseApi {
  private static final Logger log = LoggerFactory.getLogger(ReleaseApi.class);
  private static final JsonFactory JSON = new JsonFactory();

  /** At most this many triplets in one listing ({@code "truncated": true} beyond). */
  static final int MAX_LISTED = 1000;

  private final byte[] tokenDigest;
  private final boolean remote;
  private final TripletStore store;
  private final Keying keying;
  private final Path dbdir;
  private final Metrics metrics;
  private final Clock clock;

  ReleaseApi(
      String token,
      boolean remote,
      TripletStore store,
      Keying keying,
      Path dbdir,
      Metrics metrics,
      Clock clock) {
    this.tokenDigest = digest(token.getBytes(StandardCharsets.UTF_8));
    this.remote = remote;
    this.store = store;
    this.keying = keying;
    this.dbdir = dbdir;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Reads the token of {@code file}: the daemon user's or root's, no link, mode 0600 (no group or
   * other bits), at least 16 characters on its first line.
   *
   * @throws InvalidSetting naming {@code --api-token-file} and what is wrong
   */
  static String readToken(Path file) {
    String name = ReleaseSettings.API_TOKEN_FILE.name();
    try {
      PosixFileAttributes a =
          Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isSymbolicLink() || !a.isRegularFile()) {
        throw new InvalidSetting(name, file + " is not a regular file (a link is refused)");
      }
      Set<PosixFilePermission> p = a.permissions();
      for (PosixFilePermission bad :
          List.of(
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_WRITE,
              PosixFilePermission.OTHERS_EXECUTE)) {
        if (p.contains(bad)) {
          throw new InvalidSetting(
              name, file + " can be read or written by others: chmod 600 " + file);
        }
      }
      int owner = PrivateFiles.ownerUid(file);
      if (owner != 0 && owner != PrivateFiles.processUid()) {
        throw new InvalidSetting(
            name,
            file
                + " belongs to "
                + PrivateFiles.nameOf(owner)
                + ": it must be the daemon user's ("
                + PrivateFiles.nameOf(PrivateFiles.processUid())
                + ") or root's");
      }
      String text = new String(PrivateFiles.readSmall(file, 4096), StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      String token = (nl < 0 ? text : text.substring(0, nl)).strip();
      if (token.length() < 16) {
        throw new InvalidSetting(name, file + " holds no token of at least 16 characters");
      }
      return token;
    } catch (IOException e) {
      throw new InvalidSetting(name, file + ": " + PrivateFiles.reason(e));
    }
  }

  /** {@code GET /api/greylisted}: the selectors in the query. */
  ApiPage.Answer greylisted(ApiPage.Call call) {
    ApiPage.Answer refused = refused(call);
    if (refused != null) return refused;
    long now = clock.instant().getEpochSecond();
    Selector s;
    List<Waiting> found;
    try {
      Map<String, String> q = query(call.query());
      s =
          Selector.parse(
              q.get("sender"), q.get("recipient"), q.get("client"), q.get("since"), false, now);
      if (keying.privacy() && !s.exact()) Releases.requireExact(s);
      found = Releases.waiting(store, keying, s, now, dbdir, MAX_LISTED + 1);
    } catch (IllegalArgumentException e) {
      return error(call, 400, e.getMessage());
    }
    boolean truncated = found.size() > MAX_LISTED;
    if (truncated) found = found.subList(0, MAX_LISTED);
    log.info(
        "api: {} {} {}: {} waiting listed",
        call.client().getHostAddress(),
        call.path(),
        s.describe(),
        found.size());
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      g.writeNumberField("count", found.size());
      g.writeBooleanField("truncated", truncated);
      g.writeArrayFieldStart("waiting");
      for (Waiting t : found) {
        g.writeStartObject();
        g.writeStringField("client", t.net());
        g.writeStringField("sender", t.sender());
        g.writeStringField("recipient", t.recipient());
        g.writeStringField("first_seen", Instant.ofEpochSecond(t.firstSeen()).toString());
        g.writeStringField("last_seen", Instant.ofEpochSecond(t.lastSeen()).toString());
        if (t.attempts() > 0) g.writeNumberField("attempts", t.attempts());
        else g.writeNullField("attempts"); // not known: a row from before the count was kept
        g.writeStringField("next_retry_from", Instant.ofEpochSecond(t.nextRetry()).toString());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("a StringWriter does not fail", e);
    }
    int status = found.isEmpty() && s.narrows() ? 404 : 200;
    return ApiPage.Answer.json(status, w + "\n");
  }

  /**
   * {@code POST /api/release}: the selectors in a JSON object ({@code sender}, {@code recipient},
   * {@code client}, {@code since}: strings; {@code all}: true).
   */
  ApiPage.Answer release(ApiPage.Call call) {
    ApiPage.Answer refused = refused(call);
    if (refused != null) return refused;
    long now = clock.instant().getEpochSecond();
    Selector s;
    try {
      Map<String, Object> body = object(call.body());
      Object all = body.get("all");
      s =
          Selector.parse(
              text(body, "sender"),
              text(body, "recipient"),
              text(body, "client"),
              text(body, "since"),
              Boolean.TRUE.equals(all),
              now);
      if (!s.narrows() && !s.all()) {
        throw new IllegalArgumentException(
            "say what to release: sender, recipient, client or since (or \"all\": true)");
      }
      if (s.all() && s.narrows()) {
        throw new IllegalArgumentException("\"all\" releases everything: give it alone");
      }
      if (keying.privacy()) Releases.requireExact(s);
    } catch (IllegalArgumentException e) {
      return error(call, 400, e.getMessage());
    }
    int n =
        Releases.releaseLogged(
            store,
            keying,
            s,
            now,
            dbdir,
            metrics,
            call.client().getHostAddress() + " " + call.path(),
            "api");
    if (n == 0) {
      return ApiPage.Answer.json(
          404, "{\"released\":0,\"error\":" + quoted("nothing waiting matches") + "}\n");
    }
    return ApiPage.Answer.json(200, "{\"released\":" + n + "}\n");
  }

  /** 403 for a caller beyond loopback (unless allowed), 401 for a wrong or missing token. */
  private ApiPage.Answer refused(ApiPage.Call call) {
    InetAddress from = call.client();
    if (!remote && !from.isLoopbackAddress()) {
      log.warn("api: {} {}: refused, not on loopback (403)", from.getHostAddress(), call.path());
      return ApiPage.Answer.json(403, "{\"error\":\"forbidden\"}\n");
    }
    List<String> auth = call.header("authorization");
    byte[] given = new byte[0];
    if (auth.size() == 1 && auth.get(0).regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = auth.get(0).substring(7).strip().getBytes(StandardCharsets.UTF_8);
    }
    if (!MessageDigest.isEqual(digest(given), tokenDigest) || auth.size() != 1) {
      log.warn("api: {} {}: refused, bad or no token (401)", from.getHostAddress(), call.path());
      return ApiPage.Answer.json(401, "{\"error\":\"unauthorized\"}\n");
    }
    return null;
  }

  private static ApiPage.Answer error(ApiPage.Call call, int status, String message) {
    log.info(
        "api: {} {}: refused ({}): {}",
        call.client().getHostAddress(),
        call.path(),
        status,
        org.greygate.logline.TerminalText.visible(message));
    return ApiPage.Answer.json(status, "{\"error\":" + quoted(message) + "}\n");
  }

  private static String quoted(String s) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeString(s);
    } catch (IOException e) {
      throw new IllegalStateException("a StringWriter does not fail", e);
    }
    return w.toString();
  }

  /** A flat JSON object of strings and booleans; anything else is a 400. */
  static Map<String, Object> object(byte[] body) {
    Map<String, Object> out = new HashMap<>();
    if (body.length == 0) return out;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("the body must be a JSON object");
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) throw new IllegalArgumentException("a JSON object, flat");
        String name = p.currentName();
        JsonToken v = p.nextToken();
        Object value =
            switch (v) {
              case VALUE_STRING -> p.getText();
              case VALUE_TRUE -> Boolean.TRUE;
              case VALUE_FALSE -> Boolean.FALSE;
              case VALUE_NULL -> null;
              default ->
                  throw new IllegalArgumentException(
                      "\"" + visibleName(name) + "\" must be a string (\"all\": a boolean)");
            };
        if (!List.of("sender", "recipient", "client", "since", "all").contains(name)) {
          throw new IllegalArgumentException("unknown field \"" + visibleName(name) + "\"");
        }
        if (out.containsKey(name)) {
          throw new IllegalArgumentException("\"" + name + "\" given twice");
        }
        out.put(name, value);
      }
      if (p.nextToken() != null) throw new IllegalArgumentException("one JSON object only");
    } catch (IOException e) {
      throw new IllegalArgumentException("the body is not JSON");
    }
    return out;
  }

  private static String visibleName(String name) {
    String n = name.length() > 40 ? name.substring(0, 40) + "..." : name;
    return org.greygate.logline.TerminalText.visible(n);
  }

  private static String text(Map<String, Object> body, String name) {
    Object v = body.get(name);
    if (v == null) return null;
    if (v instanceof String s) return s;
    throw new IllegalArgumentException("\"" + name + "\" must be a string");
  }

  /** The query's parameters, percent-decoded; a name given twice is refused. */
  static Map<String, String> query(String query) {
    Map<String, String> out = new HashMap<>();
    if (query == null || query.isEmpty()) return out;
    for (String part : query.split("&")) {
      if (part.isEmpty()) continue;
      int eq = part.indexOf('=');
      String name = decode(eq < 0 ? part : part.substring(0, eq));
      String value = eq < 0 ? "" : decode(part.substring(eq + 1));
      if (!List.of("sender", "recipient", "client", "since").contains(name)) {
        throw new IllegalArgumentException("unknown parameter " + visibleName(name));
      }
      if (out.put(name, value) != null) {
        throw new IllegalArgumentException(name + " given twice");
      }
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad percent-encoding in the query");
    }
  }

  private static byte[] digest(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
