package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.FileLimit;
import io.jsocklnd.harness.LogCapture;
import io.jsocklnd.harness.flood.PeerFlood;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.wire.Nid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node serves many more peers than it ever holds: independent peers (the hand-written {@link PeerFlood}, one
 * loopback address each) connect one after another and all at once, each pings and must be answered. Afterwards
 * the node has forgotten every one of them: no peer or connection counters left, no peer, record, connection or
 * counter object alive on the heap (a class histogram after a full collection), no agent error logged.
 */
final class ManyPeersTest
{
    private static final int SERIAL_PEERS = 1_000;
    private static final int AT_ONCE_PEERS = 3_000;
    private static final String[] ENGINE_CLASSES = {
        "io.jsocklnd.lnd.Peer", "io.jsocklnd.lnd.PeerRecord", "io.jsocklnd.lnd.Connection",
        "io.jsocklnd.lnd.RxMachine", "io.jsocklnd.lnd.TxWriter",
        "io.jsocklnd.lnd.CounterGroup", "io.jsocklnd.lnd.Handshake"};

    @BeforeAll
    static void checkFileLimit() throws Exception
    {
        // AT_ONCE_PEERS * 3 connections, each with a socket on both sides, in this one process.
        FileLimit.require(6L * AT_ONCE_PEERS + 500);
    }

    @Test
    void shouldAnswerPeersThatComeOneAfterAnotherAndForgetEachOne() throws Exception
    {
        final NodeConfig config = new NodeConfig().nid("127.0.61.1@tcp").peerIdleTimeout(20, TimeUnit.MILLISECONDS);
        final String before = classHistogram();
        try (LogCapture log = LogCapture.start(); Lnet lnet = Lnet.start(config))
        {
            final PeerFlood.Report report = PeerFlood.run(options(config, SERIAL_PEERS, 1_000_000, false, true));
            System.out.println("serial: " + report);
            assertEquals(SERIAL_PEERS, report.peersAnswered, report::toString);
            assertEquals(0, report.peersFailed, report::toString);

            assertForgotten(lnet, SERIAL_PEERS, before);
            final Map<String, Long> counters = lnet.node().counters();
            assertEquals(SERIAL_PEERS, counters.get("acceptor accepted"), counters::toString);
            assertEquals(0, log.linesWith("agent error").size(), () -> String.join("\n", log.linesWith("agent error")));
        }
    }

    @Test
    void shouldAnswerThousandsOfPeersHoldingEveryConnectionTypeAtOnce() throws Exception
    {
        final NodeConfig config = new NodeConfig().nid("127.0.62.1@tcp").peerIdleTimeout(20, TimeUnit.MILLISECONDS);
        final String before = classHistogram();
        try (LogCapture log = LogCapture.start(); Lnet lnet = Lnet.start(config))
        {
            final AtomicReference<Map<String, Long>> held = new AtomicReference<>();
            final AtomicReference<String> heldHistogram = new AtomicReference<>();
            final PeerFlood.Options options = options(config, AT_ONCE_PEERS, 2_000_000, true, false);
            options.whileHeld = () ->
            {
                held.set(awaitHeld(lnet));
                heldHistogram.set(classHistogram());
            };
            final PeerFlood.Report report = PeerFlood.run(options);
            System.out.println("at once: " + report);
            assertEquals(AT_ONCE_PEERS, report.peersAnswered, report::toString);
            assertEquals(0, report.peersFailed, report::toString);

            final Map<String, Long> whileHeld = held.get();
            assertEquals(3L * AT_ONCE_PEERS, whileHeld.get("io connections"), whileHeld::toString);
            assertEquals(AT_ONCE_PEERS, whileHeld.get("io peers"), whileHeld::toString);
            assertEquals(AT_ONCE_PEERS, whileHeld.get("conductor peers"), whileHeld::toString);
            // The histogram sees them too, so its count of none afterwards means something.
            assertEquals(AT_ONCE_PEERS, instances(heldHistogram.get(), "io.jsocklnd.lnd.Peer") -
                instances(before, "io.jsocklnd.lnd.Peer"));
            for (final String perConnection : new String[]{
                "io.jsocklnd.lnd.Connection", "io.jsocklnd.lnd.RxMachine", "io.jsocklnd.lnd.TxWriter"})
            {
                assertEquals(3L * AT_ONCE_PEERS, instances(heldHistogram.get(), perConnection) -
                    instances(before, perConnection), perConnection);
            }

            assertForgotten(lnet, AT_ONCE_PEERS, before);
            assertEquals(0, log.linesWith("agent error").size(), () -> String.join("\n", log.linesWith("agent error")));
        }
    }

    private static PeerFlood.Options options(
        final NodeConfig config, final int peers, final int firstAddress, final boolean allTypes, final boolean serial)
    {
        final PeerFlood.Options options = PeerFlood.Options.toward(Nid.toString(config.nid()), peers, firstAddress);
        options.nodePort = config.port();
        options.allTypes = allTypes;
        options.serial = serial;
        options.perPeerTimeoutMs = 20_000;
        options.overallTimeoutMs = 300_000;
        options.seed = System.nanoTime();
        return options;
    }

    /** While the flood holds every connection: wait until the node has attached them all, and read its counters. */
    private static Map<String, Long> awaitHeld(final Lnet lnet)
    {
        Await.until(() -> lnet.node().counters().get("io connections") == 3L * AT_ONCE_PEERS, 30_000);
        return lnet.node().counters();
    }

    /**
     * Every peer has been remembered once and forgotten once, no counter names a peer or a connection any more,
     * and after a full collection no more engine objects of peers or connections are alive than before the node
     * started (other tests' nodes may still be reachable).
     */
    private static void assertForgotten(final Lnet lnet, final int peers, final String before) throws Exception
    {
        assertTrue(Await.until(() ->
        {
            final Map<String, Long> c = lnet.node().counters();
            return c.get("io peers") == 0 && c.get("conductor peers") == 0 && c.get("io connections") == 0;
        }, 30_000), () -> lnet.node().counters().toString());
        final Map<String, Long> counters = lnet.node().counters();
        assertEquals(peers, counters.get("io peers_forgotten"), counters::toString);
        assertEquals(peers, counters.get("conductor peers_forgotten"), counters::toString);
        assertEquals(0L, counters.get("node agent_errors"));
        for (final String label : counters.keySet())
        {
            assertTrue(!label.startsWith("peer ") && !label.startsWith("conn#"), label);
        }
        final String histogram = classHistogram();
        for (final String name : ENGINE_CLASSES)
        {
            assertEquals(instances(before, name), instances(histogram, name), name + " instances alive:\n" +
                histogram.substring(0, Math.min(4000, histogram.length())));
        }
    }

    /** {@code jcmd GC.class_histogram} of this JVM: live objects only, after a full collection. */
    private static String classHistogram()
    {
        try
        {
            return (String)ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[]{new String[0]}, new String[]{String[].class.getName()});
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("no class histogram", ex);
        }
    }

    private static long instances(final String histogram, final String className)
    {
        for (final String line : histogram.split("\n"))
        {
            final String[] words = line.trim().split("\\s+");
            if (words.length >= 4 && words[3].equals(className))
            {
                return Long.parseLong(words[1]);
            }
        }
        return 0;
    }
}
