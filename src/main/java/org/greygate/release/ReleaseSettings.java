package org.greygate.release;

import java.nio.file.Path;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Values;

/** The release API's settings and the selectors of its commands, declared once. */
public final class ReleaseSettings {
  private ReleaseSettings() {}

  static final String GROUP = "Listening and limits";

  /** The API's token file, or null for no API (the default). */
  public static final Setting<Path> API_TOKEN_FILE =
      Setting.value(
              "api-token-file",
              "FILE",
              null,
              Values.PATH,
              "Answer the HTTP API (GET /api/greylisted, POST /api/release) on the --metrics"
                  + " listener for callers sending this file's token (Authorization: Bearer);"
                  + " the file must be the daemon user's or root's, mode 0600, the token at least"
                  + " 16 characters, else the start is refused (exit 2). Off by default."
                  + " docs/operations.md")
          .inGroup(GROUP);

  /** Whether the API answers callers from beyond loopback. */
  public static final Setting<Boolean> API_REMOTE =
      Setting.flag(
              "api-remote",
              "Let the HTTP API answer callers that are not on loopback (default: loopback only,"
                  + " 403 to others, wherever --metrics listens).")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL = List.of(API_TOKEN_FILE, API_REMOTE);

  static final Setting<String> SENDER =
      Setting.value(
          "sender",
          "ADDRESS",
          null,
          Values.TEXT,
          "Only this sender (as greylisting keys it: tags and numbers folded), or @DOMAIN.");

  static final Setting<String> RECIPIENT =
      Setting.value("recipient", "ADDRESS", null, Values.TEXT, "Only this recipient, or @DOMAIN.");

  static final Setting<String> CLIENT =
      Setting.value(
          "client",
          "ADDRESS",
          null,
          Values.TEXT,
          "Only this client address (the network greylisting keys it by) or network (CIDR).");

  static final Setting<String> SINCE =
      Setting.value(
          "since",
          "WHEN",
          null,
          Values.TEXT,
          "Only triplets first seen since WHEN: a duration back from now (90m, 2h, 1d) or an"
              + " instant (2026-12-07T06:00:00Z).");

  static final Setting<Boolean> ALL_WAITING =
      Setting.flag("all", "Release every waiting triplet (refused without a selector otherwise).");

  static final List<Setting<?>> SELECTORS = List.of(SENDER, RECIPIENT, CLIENT, SINCE);
}
