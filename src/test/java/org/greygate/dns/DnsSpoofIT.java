package org.greygate.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Spoofed answers (RFC 5452) against the resolver client, from a resolver of the test's own on
 * loopback that sees every query's source port and answers as the test says: forged answers with a
 * wrong ID, a wrong question, from a wrong port, or the query echoed back are ignored and the real
 * answer is taken; each query comes from a port of its own.
 */
class DnsSpoofIT {
  /** A UDP resolver on loopback: {@code answer} gets each query and where it came from. */
  static final class Responder implements AutoCloseable {
    final DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    final DatagramSocket elsewhere = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    final List<Integer> sourcePorts = new CopyOnWriteArrayList<>();
    final Thread thread;

    Responder(BiConsumer<Message, SocketAddress> answer) throws IOException {
      thread =
          new Thread(
              () -> {
                byte[] b = new byte[4096];
                while (!socket.isClosed()) {
                  try {
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    socket.receive(p);
                    sourcePorts.add(p.getPort());
                    byte[] data = java.util.Arrays.copyOf(p.getData(), p.getLength());
                    answer.accept(new Message(data), p.getSocketAddress());
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "test-dns");
      thread.setDaemon(true);
      thread.start();
    }

    InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    void send(DatagramSocket from, Message m, SocketAddress to) {
      byte[] wire = m.toWire();
      try {
        from.send(new DatagramPacket(wire, wire.length, to));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    }

    @Override
    public void close() {
      socket.close();
      elsewhere.close();
    }
  }

  /** An answer to {@code query}: its ID and question, one A record of {@code ip}. */
  static Message answer(Message query, String ip) throws IOException {
    Message m = new Message(query.getHeader().getID());
    m.getHeader().setFlag(Flags.QR);
    m.getHeader().setFlag(Flags.RD);
    m.getHeader().setFlag(Flags.RA);
    Record q = query.getQuestion();
    m.addRecord(q, Section.QUESTION);
    m.addRecord(
        new ARecord(q.getName(), DClass.IN, 300, InetAddress.getByName(ip)), Section.ANSWER);
    return m;
  }

  static Message withQuestion(Message answer, Name name, int type, int dclass) {
    Message m = answer.clone();
    m.removeAllRecords(Section.QUESTION);
    m.addRecord(Record.newRecord(name, type, dclass), Section.QUESTION);
    return m;
  }

  DnsClient client;

  @AfterEach
  void close() {
    if (client != null) client.close();
  }

  static InetAddress first(DnsClient c, String name) {
    return c.ipv4(name).toCompletableFuture().join().values().get(0);
  }

  @Test
  void eachQueryComesFromAPortOfItsOwn() throws Exception {
    Responder[] self = new Responder[1];
    try (Responder r =
        new Responder(
            (q, from) -> {
              try {
                self[0].send(self[0].socket, answer(q, "192.0.2.1"), from);
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            })) {
      self[0] = r;
      client = DnsClient.of(List.of(r.address()), Duration.ofMillis(2000));
      int n = 200;
      for (int i = 0; i < n; i++) {
        assertEquals("192.0.2.1", first(client, "q" + i + ".ports.test").getHostAddress());
      }
      Set<Integer> distinct = new HashSet<>(r.sourcePorts);
      assertEquals(n, r.sourcePorts.size());
      assertTrue(
          distinct.size() >= n * 9 / 10,
          distinct.size() + " distinct source ports over " + n + " queries: " + r.sourcePorts);
    }
  }

  @Test
  void forgedAnswersAreIgnoredAndTheRealOneTaken() throws Exception {
    Responder[] self = new Responder[1];
    try (Responder r =
        new Responder(
            (q, from) -> {
              Responder me = self[0];
              try {
                Message real = answer(q, "192.0.2.1");
                Message forged = answer(q, "192.0.2.66");
                Record question = q.getQuestion();
                // from another port: the right ID and question
                me.send(me.elsewhere, forged, from);
                // the wrong ID
                Message wrongId = forged.clone();
                wrongId.getHeader().setID((q.getHeader().getID() + 1) & 0xffff);
                me.send(me.socket, wrongId, from);
                // another name, another type, another class
                me.send(
                    me.socket,
                    withQuestion(forged, Name.fromString("other.spoof.test."), Type.A, DClass.IN),
                    from);
                me.send(
                    me.socket,
                    withQuestion(forged, question.getName(), Type.AAAA, DClass.IN),
                    from);
                me.send(
                    me.socket, withQuestion(forged, question.getName(), Type.A, DClass.CH), from);
                // the query itself, echoed: not an answer (no QR bit), and it lists nothing
                me.send(me.socket, q, from);
                // no question at all
                Message bare = forged.clone();
                bare.removeAllRecords(Section.QUESTION);
                me.send(me.socket, bare, from);
                // not DNS
                byte[] junk = {1, 2, 3};
                me.socket.send(new DatagramPacket(junk, junk.length, from));
                Thread.sleep(50);
                // the real answer, its question in other letter case (RFC 4343)
                me.send(
                    me.socket,
                    withQuestion(
                        real,
                        Name.fromString(question.getName().toString().toUpperCase()),
                        Type.A,
                        DClass.IN),
                    from);
              } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
              }
            })) {
      self[0] = r;
      client = DnsClient.of(List.of(r.address()), Duration.ofMillis(2000));
      assertEquals("192.0.2.1", first(client, "host.spoof.test").getHostAddress());
      assertEquals(7, client.ignoredAnswers(), "wrong ID, name, type, class, echo, bare, junk");
    }
  }

  @Test
  void onlyForgedAnswersTimeOutRatherThanAnswer() throws Exception {
    Responder[] self = new Responder[1];
    try (Responder r =
        new Responder(
            (q, from) -> {
              Responder me = self[0];
              me.send(me.socket, q, from); // the query echoed back: would read as "not listed"
              try {
                me.send(me.elsewhere, answer(q, "192.0.2.66"), from);
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            })) {
      self[0] = r;
      client = DnsClient.of(List.of(r.address()), Duration.ofMillis(300));
      CompletionException e =
          assertThrows(
              CompletionException.class,
              () -> client.ipv4("echo.spoof.test").toCompletableFuture().join());
      assertTrue(e.getCause().getMessage().contains("timed out"), e.getCause().getMessage());
    }
  }
}
