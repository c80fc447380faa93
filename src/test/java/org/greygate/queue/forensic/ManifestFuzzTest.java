package org.greygate.queue.forensic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any manifest line (a manifest handed over for {@code verify} or {@code diff} may be anything): it
 * is read back as a record that writes the same line, or refused with an IllegalArgumentException;
 * nothing else escapes. Any string survives escaping exactly. Beside its package rather than in
 * {@code org.greygate.fuzz}: the manifest's reader is the package's own. Replayed from the
 * committed corpus on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=ManifestFuzzTest -Djazzer.max_duration=3m}.
 */
class ManifestFuzzTest {
  @FuzzTest(maxDuration = "3m")
  void anyLine(FuzzedDataProvider data) {
    String any = data.consumeString(200);
    if (wellFormed(any)) assertEquals(any, ManifestText.decode(ManifestText.encode(any)));
    String line = data.consumeRemainingAsString();
    Manifest.Line r;
    try {
      r = Manifest.parse(line);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertEquals(line, Manifest.line(r));
    assertEquals(r, Manifest.parse(Manifest.line(r)));
  }

  /** Without a lone surrogate (a file name read from the system never has one). */
  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
