package org.greygate;

import org.greygate.cli.GreygateCli;

/** Entry point; exit codes are documented in {@link GreygateCli}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(GreygateCli.run(args));
  }
}
