package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisReadOnlyException;
import java.util.concurrent.CompletionException;
import org.greygate.store.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Redis's failures become typed store faults by the error code of the reply, never its words. */
class RedisFaultsTest {
  static final String WHERE = "redis://127.0.0.1:6379";

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "WRONGPASS invalid username-password pair or user is disabled.|unavailable|wrong user name"
            + " or password",
        "NOAUTH Authentication required.|unavailable|the server needs a password",
        "NOPERM User greygate has no permissions to run the 'evalsha' command|unavailable|the user"
            + " may not run greygate's commands",
        "NOSCRIPT No matching script. Please use EVAL.|unavailable|the server lost greygate's"
            + " script",
        "READONLY You can't write against a read only replica.|unavailable|a read-only replica",
        "LOADING Redis is loading the dataset in memory|unavailable|loading its data set",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to"
            + " 'no'.|unavailable|the replica has lost its master",
        "BUSY Redis is busy running a script.|unavailable|busy running a script",
        "OOM command not allowed when used memory > 'maxmemory'.|full|out of memory",
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist"
            + " to disk.|unavailable|cannot save its data",
        "ERR Error running script (call to f_1): user_script:1: oops|unavailable|the server"
            + " refused the command",
        "CLUSTERDOWN The cluster is down|unavailable|the cluster has slots without a master",
        "TRYAGAIN Multiple keys request during rehashing of slot|unavailable|a slot is being"
            + " moved",
        "CROSSSLOT Keys in request don't hash to the same slot|unavailable|keys of one step in"
            + " two cluster slots",
        // the words after the code do not count: this is an ERR, whatever it says
        "ERR WRONGPASS OOM READONLY in use|unavailable|the server refused the command",
      })
  void anErrorReplyIsClassifiedByItsCode(String reply, String kind, String words) {
    StoreException e =
        RedisFaults.translate(
            new CompletionException(new RedisCommandExecutionException(reply)), WHERE);
    assertEquals(kind, e.kind(), e.getMessage());
    assertTrue(e.getMessage().startsWith("store " + WHERE + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(words), e.getMessage());
    assertTrue(e.getMessage().endsWith("(" + reply + ")"), "the reply follows: " + e.getMessage());
    assertEquals(kind.equals("full"), e instanceof StoreException.Full);
  }

  @Test
  void lettucesTypedRepliesAreClassifiedByTheirCodeToo() {
    assertEquals("BUSY", RedisFaults.code(new RedisBusyException("BUSY Redis is busy")));
    assertEquals("LOADING", RedisFaults.code(new RedisLoadingException("LOADING Redis is")));
    assertEquals("READONLY", RedisFaults.code(new RedisReadOnlyException("READONLY You can't")));
    assertEquals("NOSCRIPT", RedisFaults.code(new RedisNoScriptException("NOSCRIPT No match")));
    assertTrue(
        RedisFaults.translate(new RedisReadOnlyException("READONLY You can't"), WHERE)
            .getMessage()
            .contains("read-only replica"));
  }

  @Test
  void aWrongPasswordAtConnectIsNamedThoughLettuceWrapsIt() {
    RedisConnectionException wrapped =
        new RedisConnectionException(
            "Unable to connect to 127.0.0.1/<unresolved>:6379",
            new RedisCommandExecutionException(
                "WRONGPASS invalid username-password pair or user is disabled."));
    StoreException e = RedisFaults.atOpen(wrapped, WHERE);
    assertInstanceOf(StoreException.Unavailable.class, e);
    assertEquals(
        "store "
            + WHERE
            + ": wrong user name or password (WRONGPASS invalid username-password pair or user is"
            + " disabled.)",
        e.getMessage());
    assertSame(wrapped, e.getCause());
  }

  @Test
  void noReplyIsNotConnectedOnCallsAndTheWholeReasonAtOpen() {
    RedisConnectionException lost = new RedisConnectionException("Connection closed");
    assertEquals(
        "store " + WHERE + ": not connected", RedisFaults.translate(lost, WHERE).getMessage());
    RedisConnectionException refused =
        new RedisConnectionException("Unable to connect to 127.0.0.1/<unresolved>:1");
    assertEquals(
        "store " + WHERE + ": Unable to connect to 127.0.0.1/<unresolved>:1",
        RedisFaults.atOpen(refused, WHERE).getMessage());
    // the cause an admin can act on, not Lettuce's wrapper
    RedisConnectionException untrusted =
        new RedisConnectionException(
            "Unable to connect to 127.0.0.1/<unresolved>:6380",
            new javax.net.ssl.SSLHandshakeException(
                "PKIX path building failed: unable to find valid certification path"));
    assertEquals(
        "store " + WHERE + ": PKIX path building failed: unable to find valid certification path",
        RedisFaults.atOpen(untrusted, WHERE).getMessage());
    StoreException timeout =
        RedisFaults.translate(
            new CompletionException(
                new RedisCommandTimeoutException("Command timed out after 5 second(s)")),
            WHERE);
    assertEquals("unavailable", timeout.kind());
    assertTrue(timeout.getMessage().endsWith("Command timed out after 5 second(s)"));
  }

  @Test
  void aStoreFaultPassesAsItIs() {
    StoreException already = new StoreException.Unavailable("store x: too many commands");
    assertSame(already, RedisFaults.translate(new CompletionException(already), WHERE));
  }

  @Test
  void onlyTheTryAgainCodeIsTriedOnceMoreEvenTranslatedAlready() {
    RedisCommandExecutionException reply =
        new RedisCommandExecutionException(
            "TRYAGAIN Multiple keys request during rehashing of slot");
    assertTrue(RedisFaults.tryAgain(reply));
    assertTrue(RedisFaults.tryAgain(RedisFaults.translate(new CompletionException(reply), WHERE)));
    assertFalse(RedisFaults.tryAgain(new RedisCommandExecutionException("ERR TRYAGAIN later")));
    assertFalse(RedisFaults.tryAgain(new RedisCommandExecutionException("CLUSTERDOWN down")));
    assertFalse(RedisFaults.tryAgain(new RedisConnectionException("TRYAGAIN")));
  }

  @Test
  void onlyTheNoScriptCodeResendsAScript() {
    assertTrue(RedisFaults.noScript(new RedisNoScriptException("NOSCRIPT No matching script.")));
    assertTrue(
        RedisFaults.noScript(
            new CompletionException(
                new RedisCommandExecutionException("NOSCRIPT No matching script."))));
    assertFalse(RedisFaults.noScript(new RedisCommandExecutionException("ERR NOSCRIPT is a word")));
    assertFalse(RedisFaults.noScript(new RedisConnectionException("NOSCRIPT")));
  }
}
