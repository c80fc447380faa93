package org.greygate.files;

import java.io.IOException;

/** A file or directory that greygate refuses to use, with the reason in words. */
public final class UnsafeFileException extends IOException {
  public UnsafeFileException(String message) {
    super(message);
  }
}
