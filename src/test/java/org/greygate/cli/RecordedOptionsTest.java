package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecordedOptionsTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "redis://:pw@127.0.0.1:6379 | redis://:(not-recorded)@127.0.0.1:6379",
        "rediss://user:p:w@h/0 | rediss://user:(not-recorded)@h/0",
        "redis://pw@h:1/2 | redis://(not-recorded)@h:1/2",
        "redis-sentinel://:pw@h1:1,h2:2/master | redis-sentinel://:(not-recorded)@h1:1,h2:2/master",
        "redis://:p@ss@h | redis://:(not-recorded)@h",
        "redis://h:6379/0 | redis://h:6379/0",
        "redis://h/a@b | redis://h/a@b",
        "/var/lib/greygate | /var/lib/greygate",
        "a@b | a@b",
      })
  void aPasswordInAUrlIsNeverRecorded(String given, String recorded) {
    assertEquals(recorded, RecordedOptions.withoutPassword(given));
  }
}
