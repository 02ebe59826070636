package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.HandBytes;
import io.jsocklnd.harness.RawPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.jsocklnd.harness.HandBytes.CONN_BULK_IN;
import static io.jsocklnd.harness.HandBytes.CONN_BULK_OUT;
import static io.jsocklnd.harness.HandBytes.CONN_CONTROL;
import static io.jsocklnd.harness.HandBytes.intAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code conns_per_peer} as a kernel has it (§7.2): a peer may open as many bulk connections of each type as its
 * own setting says (up to 127), whatever this node's; and this node opens by its own, which by default follows the
 * speed of the link that carries its NID ({@code ilog2(Gbit/s) / 2 + 1}, 1 where unknown, as on loopback).
 * The peers are raw sockets writing hand-made bytes.
 */
@Timeout(60)
class ConnsPerPeerTest
{
    private static final String NODE_IP = "127.0.84.1";
    private static final long NODE_NID = HandBytes.tcpNid(127, 0, 84, 1);
    private static final long INCARNATION = 0x0102030405060708L;

    @ParameterizedTest(name = "{0} Mbit/s -> {1}")
    @CsvSource({"-1, 1", "0, 1", "100, 1", "1000, 1", "2500, 1", "4000, 2", "10000, 2", "16000, 3", "25000, 3",
        "40000, 3", "100000, 4", "200000, 4", "400000, 5"})
    void shouldChooseTheKernelsConnectionsPerPeerForALinkSpeed(final int speedMbps, final int expected)
    {
        assertEquals(expected, LinkSpeed.connsPerPeerForSpeed(speedMbps));
    }

    /**
     * A kernel on a fast link opens three of each bulk type (its conns_per_peer 3); this node, on loopback (1 by
     * its own automatic rule), takes them all instead of refusing the extra ones.
     */
    @Test
    void shouldTakeEveryBulkConnectionAPeerOpens() throws Exception
    {
        final String rawIp = "127.0.84.2";
        final long rawNid = HandBytes.tcpNid(127, 0, 84, 2);
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), new TestNodes.RecordingHandler()))
        {
            assertEquals(1, node.config().connsPerPeer(), "loopback has no speed: 1");
            final int[] types = {CONN_CONTROL, CONN_BULK_IN, CONN_BULK_OUT, CONN_BULK_IN, CONN_BULK_OUT,
                CONN_BULK_IN, CONN_BULK_OUT};
            final RawPeer[] opened = ReceiveRulesTest.openV3(NODE_IP, NODE_NID, rawIp, rawNid, 1000, types);
            try
            {
                final List<String> expected = List.of("BULK_IN V3", "BULK_IN V3", "BULK_IN V3", "BULK_OUT V3",
                    "BULK_OUT V3", "BULK_OUT V3", "CONTROL V3");
                assertTrue(Await.until(() -> HelloCloseTest.typesOf(node, rawNid).equals(expected), 5_000),
                    () -> node.connections().toString());
                final Map<String, Long> counters = node.counters();
                assertEquals(0L, counters.get("peer 127.0.84.2@tcp hellos_refused_duplicate"), counters::toString);
                for (final RawPeer c : opened)
                {
                    assertTrue(!c.drain(100).closed(), "every connection stays up");
                }
            }
            finally
            {
                ReceiveRulesTest.closeAll(opened);
            }
        }
    }

    /**
     * On a 10 Gbit/s link the node opens two of each bulk type, in the kernel's order (BULK_IN while there are no
     * more of them than BULK_OUT), and no more.
     */
    @Test
    void shouldOpenTwoOfEachBulkTypeOnATenGigabitLink(@TempDir final Path sys) throws Exception
    {
        Files.createDirectories(sys.resolve("lo"));
        Files.writeString(sys.resolve("lo").resolve("speed"), "10000\n");
        final String rawIp = "127.0.84.3";
        final long rawNid = HandBytes.tcpNid(127, 0, 84, 3);
        try (ServerSocket listener = RawPeer.listen(rawIp, 988);
            Node node = Node.start(TestNodes.config(NODE_IP + "@tcp").sysClassNet(sys), new TestNodes.RecordingHandler()))
        {
            assertEquals("lo", LinkSpeed.interfaceOf(NODE_NID));
            assertEquals(2, node.config().connsPerPeer());
            assertTrue(node.send(rawNid, HandBytes.PID_LUSTRE, TestNodes.putHeader(
                NODE_NID, rawNid, 1, ByteBuffer.allocateDirect(0), 0), 0, 0, 0, 1));
            final int[] types = {CONN_CONTROL, CONN_BULK_IN, CONN_BULK_OUT, CONN_BULK_IN, CONN_BULK_OUT};
            final List<RawPeer> accepted = new ArrayList<>();
            try
            {
                for (final int type : types)
                {
                    final RawPeer c = RawPeer.accept(listener, 5_000);
                    assertNotNull(c, "the node opens its connection of type " + type);
                    accepted.add(c);
                    final byte[] hello = HelloCloseTest.readHello(c, rawNid);
                    assertEquals(3, HelloCloseTest.version(hello));
                    assertEquals(type, intAt(hello, HandBytes.HELLO_CTYPE));
                    c.write(HandBytes.hello(3, rawNid, NODE_NID, INCARNATION, HelloCloseTest.invert(type)));
                }
                assertTrue(Await.until(() -> HelloCloseTest.typesOf(node, rawNid).size() == types.length, 5_000),
                    () -> node.connections().toString());
                assertNull(RawPeer.accept(listener, 500), "no more than two of each bulk type");
            }
            finally
            {
                for (final RawPeer c : accepted)
                {
                    c.close();
                }
            }
        }
    }
}
