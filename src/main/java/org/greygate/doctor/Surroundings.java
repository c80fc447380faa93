package org.greygate.doctor;

import java.nio.file.Path;

/** What the doctor finds out beyond the configuration: the listeners and the files. */
public interface Surroundings {
  /** Why nothing answers at {@code endpoint}, or null when something does. */
  String unreachable(Endpoint endpoint);

  /** Why {@code user} (null: the one running this) cannot read {@code file}, or null. */
  String unreadable(Path file, String user);
}
