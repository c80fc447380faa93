package org.greygate.store.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.greygate.store.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lmdbjava.Env;

/**
 * LMDB's failures become typed store faults by LmdbJava's exception type and result code, as
 * LmdbJava raises them for each return code of LMDB (its own mapper, called here as LmdbJava does).
 */
class LmdbFaultsTest {
  /** The exception LmdbJava throws for the return code {@code rc} of an LMDB call. */
  static RuntimeException raisedFor(int rc) throws Exception {
    Method check =
        Class.forName("org.lmdbjava.ResultCodeMapper").getDeclaredMethod("checkRc", int.class);
    check.setAccessible(true);
    try {
      check.invoke(null, rc);
    } catch (InvocationTargetException e) {
      return (RuntimeException) e.getCause();
    }
    throw new AssertionError("no exception for " + rc);
  }

  @ParameterizedTest
  @CsvSource({
    "-30797, corrupt, MDB_PAGE_NOTFOUND",
    "-30796, corrupt, MDB_CORRUPTED",
    "-30795, corrupt, MDB_PANIC",
    "-30794, corrupt, MDB_VERSION_MISMATCH",
    "-30793, corrupt, MDB_INVALID",
    "-30784, corrupt, MDB_INCOMPATIBLE",
    "-30782, corrupt, MDB_BAD_TXN",
    "-30781, corrupt, MDB_BAD_VALSIZE",
    "-30792, full, MDB_MAP_FULL",
    "-30791, full, MDB_DBS_FULL",
    "28, full, ENOSPC",
    "122, full, EDQUOT",
    "-30790, unavailable, MDB_READERS_FULL",
    "-30788, unavailable, MDB_TXN_FULL",
    "5, unavailable, EIO",
    "13, unavailable, EACCES",
    "11, unavailable, EAGAIN",
  })
  void eachReturnCodeHasItsKind(int rc, String kind, String name) throws Exception {
    StoreException e = LmdbFaults.translate(raisedFor(rc), "write in /var/lib/greygate");
    assertEquals(kind, e.kind(), name + ": " + e.getMessage());
    assertTrue(
        e.getMessage().startsWith("LMDB write in /var/lib/greygate failed: "), e.getMessage());
  }

  @Test
  void anIoErrorAndAPermissionAreSaidInWords() throws Exception {
    assertTrue(
        LmdbFaults.translate(raisedFor(5), "commit").getMessage().contains("I/O error"), "EIO");
    assertTrue(
        LmdbFaults.translate(raisedFor(13), "open").getMessage().contains("permission denied"),
        "EACCES");
  }

  @Test
  void aFaultOfLmdbJavaItselfIsUnavailable() {
    StoreException e = LmdbFaults.translate(new Env.AlreadyClosedException(), "read");
    assertEquals("unavailable", e.kind());
  }

  @Test
  void aStoreFaultPassesAsItIs() {
    StoreException.Full full = new StoreException.Full("full", null);
    assertSame(full, LmdbFaults.translate(full, "commit"));
  }
}
