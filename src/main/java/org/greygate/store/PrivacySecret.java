package org.greygate.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The per-installation secret behind {@code --privacy} keys, kept beside the database as {@code
 * privacy.key} (32 random bytes, mode 0600). Losing it means every hashed key is unknown: the
 * greylist starts over, nothing worse.
 */
public final class PrivacySecret {
  public static final String FILE = "privacy.key";

  private PrivacySecret() {}

  public static byte[] loadOrCreate(Path dbdir) {
    Path file = dbdir.resolve(FILE);
    try {
      if (!Files.exists(file)) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try {
          Files.createFile(
              file,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.write(file, secret, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
          return secret;
        } catch (FileAlreadyExistsException raced) {
          // another process made it first: read theirs
        }
      }
      byte[] secret = Files.readAllBytes(file);
      if (secret.length < 16) {
        throw new StoreException.Corrupt(
            file
                + ": privacy secret is "
                + secret.length
                + " bytes, expected 32; remove the file to start a new greylist",
            null);
      }
      return secret;
    } catch (IOException e) {
      throw new StoreException.Unavailable(
          "cannot read or create " + file + ": " + e.getMessage(), e);
    }
  }
}
