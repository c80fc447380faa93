package org.greygate.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PostqueueJsonTest {
  @Test
  void readsAMessageAsPostqueueListsIt() {
    String line =
        "{\"queue_name\": \"deferred\", \"queue_id\": \"4Qx1Lm2Vz3z9s\", \"arrival_time\":"
            + " 1764820000, \"message_size\": 2187, \"forced_expire\": false, \"sender\":"
            + " \"alice@example.org\", \"recipients\": [{\"address\": \"bob@example.net\","
            + " \"delay_reason\": \"connect to mx.example.net[192.0.2.1]:25: Connection"
            + " refused\"}, {\"address\": \"c\\\"q\\\\u@example.net\"}]}";
    PostqueueJson.Entry e = PostqueueJson.parse(line);
    assertEquals("deferred", e.queue());
    assertEquals(2187, e.size());
  }

  @Test
  void membersInAnyOrderAndEscapesInNames() {
    PostqueueJson.Entry e =
        PostqueueJson.parse(
            "{\"message_size\":10,\"x\":{\"y\":[1,2.5e3,null,true,{}]},\"queue_name\":\"h\\u006fld\"}");
    assertEquals("hold", e.queue());
    assertEquals(10, e.size());
  }

  @Test
  void notJsonIsAnErrorWithItsColumn() {
    for (String bad :
        new String[] {
          "",
          "Mail queue is empty",
          "{\"queue_name\": \"active\"",
          "{\"queue_name\": \"active\",}",
          "{\"queue_name\": \"active\"} trailing",
          "{\"message_size\": 1}",
          "{\"queue_name\": \"a\\x\"}",
          "{\"queue_name\": \"active\", \"r\": [1 2]}",
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> PostqueueJson.parse(bad), bad);
      assertTrue(
          e.getMessage().contains("column") || e.getMessage().contains("queue_name"),
          e.getMessage());
    }
  }

  @Test
  void deepNestingIsRefusedNotAStackOverflow() {
    String deep = "[".repeat(100_000);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PostqueueJson.parse("{\"queue_name\":\"active\",\"r\":" + deep + "}"));
    assertTrue(e.getMessage().contains("nested too deep"), e.getMessage());
  }
}
