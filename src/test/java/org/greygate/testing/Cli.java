package org.greygate.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.greygate.cli.GreygateCli;

/** Runs the command line in-process with its output captured. */
public final class Cli {
  public final StringWriter out = new StringWriter();
  public final StringWriter err = new StringWriter();

  /** The exit code; what it printed accumulates in {@link #out} and {@link #err}. */
  public int run(String... args) {
    return GreygateCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }
}
