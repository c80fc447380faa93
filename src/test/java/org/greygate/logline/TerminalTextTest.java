package org.greygate.logline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
  @Test
  void controlsAreShownAndEverythingElseKept() {
    String plain = "mx.example.org é 日本 \\d+ 😀";
    assertSame(plain, TerminalText.visible(plain), "nothing to show: the same string");
    assertEquals(
        "a\\x1b[2Jb\\x00\\x07\\x09\\x0a\\x0d\\x7f\\x80\\x9b\\x9f\\u2028\\u2029\\u202e\\u2066\\u200f",
        TerminalText.visible(
            "a\u001b[2Jb\u0000\u0007\t\n\r\u007f\u0080\u009b\u009f\u2028\u2029\u202e\u2066\u200f"));
    assertEquals("\u00a0x", TerminalText.visible("\u00a0x"), "no-break space is text");
  }
}
