package org.greygate.queue.spool;

import static org.greygate.config.InvalidSetting.check;

import java.nio.file.Path;

/**
 * What the spool watch checks; validated once.
 *
 * @param root Postfix's {@code queue_directory}
 * @param owner Postfix's {@code mail_owner}, by name
 * @param group Postfix's {@code setgid_group}, by name
 */
public record SpoolConfig(Path root, String owner, String group) {
  public SpoolConfig {
    check(root != null && root.isAbsolute(), "queue-directory", "must be an absolute path");
    check(owner.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}"), "spool-owner", "is no user name");
    check(group.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}"), "spool-group", "is no group name");
    root = root.normalize();
  }
}
