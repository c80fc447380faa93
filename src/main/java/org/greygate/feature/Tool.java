package org.greygate.feature;

import java.util.List;
import org.greygate.config.Setting;

/**
 * A command a feature adds to greygate's command line, under the feature's word ({@code greygate
 * limits show}). The command line makes its options from the declared settings (plus {@code
 * --dbdir}, which every tool takes), runs it, and turns what it throws into the documented exit
 * codes: an {@link IllegalArgumentException} (an {@link org.greygate.config.InvalidSetting}
 * included) is a usage error, exit 2, its message on one line.
 */
public interface Tool {
  /** The word after the feature's, e.g. {@code show}. */
  String name();

  /** The help text, one line a sentence. */
  List<String> description();

  /** Its options. */
  List<Setting<?>> settings();

  /** Its one positional argument, or null when it takes none. */
  Parameter parameter();

  /**
   * Runs it.
   *
   * @return the exit code: 0 done, 1 it could not do its work (said on {@link ToolRun#err})
   */
  int run(ToolRun run) throws Exception;

  /**
   * A positional argument.
   *
   * @param label how the help names it, e.g. {@code KEY}
   * @param description one line
   * @param required whether it must be given
   */
  record Parameter(String label, String description, boolean required) {}

  /**
   * The feature's commands: {@code greygate WORD TOOL}.
   *
   * @param word the command's word, e.g. {@code limits}
   * @param description one line for {@code greygate --help}
   */
  record Group(String word, String description, List<Tool> tools) {
    public Group {
      tools = List.copyOf(tools);
    }
  }
}
