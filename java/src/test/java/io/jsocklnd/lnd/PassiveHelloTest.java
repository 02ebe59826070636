package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.HandBytes;
import io.jsocklnd.harness.LogCapture;
import io.jsocklnd.harness.RawPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.harness.HandBytes.CONN_ANY;
import static io.jsocklnd.harness.HandBytes.CONN_CONTROL;
import static io.jsocklnd.harness.HandBytes.CONN_NONE;
import static io.jsocklnd.harness.HandBytes.PID_LUSTRE;
import static io.jsocklnd.harness.HandBytes.intAt;
import static io.jsocklnd.harness.HandBytes.longAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The passive side of the hello against raw peers writing the bytes by hand: hellos that claim an identity no
 * peer may have are refused at once with the reason logged; each read (acceptor request, then hello) has the
 * accept timeout to itself; and a reply writes {@code kshm_dst_pid} and {@code kshm_dst_incarnation} as the
 * kernel does, from the hello it answers.
 */
@Timeout(60)
class PassiveHelloTest
{
    private static final String NODE_IP = "127.0.81.1";
    private static final String RAW_IP = "127.0.81.2";
    private static final long NODE_NID = HandBytes.tcpNid(127, 0, 81, 1);
    private static final long RAW_NID = HandBytes.tcpNid(127, 0, 81, 2);
    private static final long INCARNATION = 0x1122334455667788L;

    @Test
    void shouldRefuseAHelloWithAnIdentityNoPeerMayHave() throws Exception
    {
        final byte[][] hellos = {
            HandBytes.hello(3, RAW_NID, NODE_NID, HandBytes.PID_ANY, 0, INCARNATION, 0, CONN_CONTROL),
            HandBytes.hello(3, HandBytes.NID_ANY, NODE_NID, PID_LUSTRE, 0, INCARNATION, 0, CONN_CONTROL),
            HandBytes.hello(3, HandBytes.onNet(RAW_NID, 1), NODE_NID, PID_LUSTRE, 0, INCARNATION, 0, CONN_CONTROL),
            HandBytes.helloV1(RAW_NID, HandBytes.PID_ANY, INCARNATION, CONN_ANY)};
        final String[] reasons = {
            "src_pid=LNET_PID_ANY", "field=kshm_src_nid value=0xffffffffffffffff", "src_nid=127.0.81.2@tcp1 not on this node's network tcp",
            "src_pid=LNET_PID_ANY"};
        try (LogCapture logs = LogCapture.start();
            Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), new TestNodes.RecordingHandler()))
        {
            for (int i = 0; i < hellos.length; i++)
            {
                try (RawPeer raw = RawPeer.connect(RAW_IP, 1010 + i, NODE_IP, 988))
                {
                    raw.write(HandBytes.concat(HandBytes.connreq(NODE_NID), hellos[i]));
                    final RawPeer.Drained drained = raw.drain(3_000);
                    assertTrue(drained.closed(), "hello " + i + " closed: " + drained);
                    assertEquals(0, drained.bytes().length, "hello " + i + " gets no reply: " + drained);
                }
                final String reason = reasons[i];
                assertEquals(1, logs.linesWith("refused: bad hello: " + reason).size() - countBefore(reasons, i),
                    () -> "logged: " + logs.linesWith("refused"));
            }
            final Map<String, Long> counters = node.counters();
            assertEquals(4L, counters.get("acceptor refused_bad_hello"), counters::toString);
            assertTrue(node.connections().isEmpty(), () -> node.connections().toString());
            assertFalse(counters.keySet().stream().anyMatch(k -> k.startsWith("peer ")),
                () -> "no peer made for a refused hello: " + counters.keySet());
        }
    }

    @Test
    void shouldGiveTheHelloItsOwnAcceptTimeoutAfterTheAcceptorRequest() throws Exception
    {
        final ManualClock clock = new ManualClock();
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), new TestNodes.RecordingHandler(), null, clock);
            RawPeer idle = RawPeer.connect(RAW_IP, 1020, NODE_IP, 988);
            RawPeer slow = RawPeer.connect(RAW_IP, 1021, NODE_IP, 988))
        {
            assertTrue(Await.until(() -> node.counters().get("acceptor accepted") == 2, 5_000), "both accepted at 0 s");

            clock.advance(4, TimeUnit.SECONDS);
            slow.write(HandBytes.connreq(NODE_NID));
            assertTrue(Await.until(() -> slow.unreadByRemote() == 0, 5_000), "the acceptor request read at 4 s");

            // 6 s: the idle connection's 5 s for its acceptor request are over; the slow one's hello read began at 4 s.
            clock.advance(2, TimeUnit.SECONDS);
            assertTrue(Await.until(() -> node.counters().get("acceptor refused_timeout") >= 1, 5_000));
            assertEquals(1L, node.counters().get("acceptor refused_timeout"), "only the idle connection timed out");
            assertTrue(idle.drain(3_000).closed());

            slow.write(HandBytes.hello(3, RAW_NID, NODE_NID, INCARNATION, CONN_CONTROL));
            final byte[] reply = slow.read(HandBytes.HELLO_LENGTH, 5_000);
            assertEquals(CONN_CONTROL, intAt(reply, HandBytes.HELLO_CTYPE));

            final RawPeer.Drained nothing = slow.drain(200);
            assertFalse(nothing.closed(), nothing::toString);
        }
    }

    @Test
    void shouldEchoTheHellosDstPidAndDstIncarnationAsTheKernelDoes() throws Exception
    {
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), new TestNodes.RecordingHandler());
            RawPeer first = RawPeer.connect(RAW_IP, 1000, NODE_IP, 988);
            RawPeer duplicate = RawPeer.connect(RAW_IP, 1001, NODE_IP, 988);
            RawPeer other = RawPeer.connect("127.0.81.3", 1002, NODE_IP, 988))
        {
            first.write(HandBytes.concat(HandBytes.connreq(NODE_NID),
                HandBytes.hello(3, RAW_NID, NODE_NID, PID_LUSTRE, 0x1234, INCARNATION, 0x5566L, CONN_CONTROL)));
            final byte[] reply = first.read(HandBytes.HELLO_LENGTH, 5_000);
            assertEquals(CONN_CONTROL, intAt(reply, HandBytes.HELLO_CTYPE));
            assertEquals(RAW_NID, longAt(reply, HandBytes.HELLO_DST_NID));
            assertEquals(0x1234, intAt(reply, HandBytes.HELLO_DST_PID), "kshm_dst_pid as the hello had it");
            assertEquals(0x5566L, longAt(reply, HandBytes.HELLO_DST_INCARNATION), "kshm_dst_incarnation as it came");

            // A NONE reply (a second CONTROL: a peer opens one) answers from the hello all the same.
            duplicate.write(HandBytes.concat(HandBytes.connreq(NODE_NID),
                HandBytes.hello(3, RAW_NID, NODE_NID, PID_LUSTRE, 0, INCARNATION, 0, CONN_CONTROL)));
            final byte[] refusal = duplicate.read(HandBytes.HELLO_LENGTH, 5_000);
            assertEquals(CONN_NONE, intAt(refusal, HandBytes.HELLO_CTYPE));
            assertEquals(0, intAt(refusal, HandBytes.HELLO_DST_PID));
            assertEquals(0L, longAt(refusal, HandBytes.HELLO_DST_INCARNATION));

            // A V1 reply leaves dest_pid 0: the V1 hello it answers was never read for one.
            final long otherNid = HandBytes.tcpNid(127, 0, 81, 3);
            other.write(HandBytes.concat(HandBytes.connreq(NODE_NID),
                HandBytes.helloV1(otherNid, PID_LUSTRE, INCARNATION, CONN_ANY)));
            final byte[] v1 = other.read(HandBytes.HELLO_V1_LENGTH, 5_000);
            assertEquals(HandBytes.TCP_MAGIC, intAt(v1, 0));
            assertEquals(0, intAt(v1, HandBytes.V1_DEST_PID));
            assertEquals(node.config().nid(), longAt(v1, HandBytes.V1_SRC_NID));
        }
    }

    /**
     * Log lines the earlier rows wrote with the same reason (two rows share one).
     */
    private static int countBefore(final String[] reasons, final int row)
    {
        int n = 0;
        for (int i = 0; i < row; i++)
        {
            n += reasons[i].equals(reasons[row]) ? 1 : 0;
        }
        return n;
    }
}
