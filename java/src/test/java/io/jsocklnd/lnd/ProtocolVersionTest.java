package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.Exchange;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.wire.Nid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hello version negotiation between nodes: V3 unless one side is held to V2, in which case both end
 * with V2 connections whichever side connects.
 */
@Timeout(60)
class ProtocolVersionTest
{
    private static final List<String> V3_BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");
    private static final List<String> V2_BUNDLE = List.of("BULK_IN V2", "BULK_OUT V2", "CONTROL V2");
    private static final int COUNT = 300;

    @Test
    void shouldSpeakV3ByDefault() throws Exception
    {
        runAndCheck("127.0.33.1@tcp", 3, "127.0.33.2@tcp", 3, V3_BUNDLE, 0);
    }

    @Test
    void shouldRetryInV2WhenTheAcceptingPeerIsHeldToV2() throws Exception
    {
        runAndCheck("127.0.33.3@tcp", 3, "127.0.33.4@tcp", 2, V2_BUNDLE, 1);
    }

    @Test
    void shouldAcceptV2WhenTheConnectingPeerIsHeldToV2() throws Exception
    {
        runAndCheck("127.0.33.5@tcp", 2, "127.0.33.6@tcp", 3, V2_BUNDLE, 0);
    }

    /**
     * The connecting node sends first, so it opens every connection; then both exchange a plan.
     */
    private static void runAndCheck(
        final String connecting,
        final int connectingVersion,
        final String accepting,
        final int acceptingVersion,
        final List<String> bundle,
        final long expectedVersionRefusals) throws Exception
    {
        final long aNid = Nid.parse(connecting);
        final long bNid = Nid.parse(accepting);
        try (TrafficEndpoint a = TrafficEndpoint.start(TestNodes.config(connecting).protocolVersion(connectingVersion), 2 * COUNT);
            TrafficEndpoint b = TrafficEndpoint.start(TestNodes.config(accepting).protocolVersion(acceptingVersion), 2 * COUNT))
        {
            assertNull(a.warmUp(bNid, 10_000));
            assertTrue(Await.until(() -> a.connectionTypes(bNid).equals(bundle) && b.connectionTypes(aNid).equals(bundle),
                10_000), () -> "a=" + a.node().connections() + " b=" + b.node().connections());

            final long seed = System.nanoTime();
            System.out.println("ProtocolVersionTest " + connecting + " V" + connectingVersion + " -> " + accepting +
                " V" + acceptingVersion + " seed=" + seed);
            assertNull(Exchange.both(a, b, Traffic.plan(seed, COUNT), Traffic.plan(seed + 1, COUNT), 20_000, true));

            final String peerB = "peer " + accepting + " ";
            assertEquals(expectedVersionRefusals, a.node().counters().get(peerB + "hellos_refused_by_peer"),
                () -> "a counters: " + a.node().counters());
            assertEquals(expectedVersionRefusals, b.node().counters().get("acceptor refused_version"),
                () -> "b counters: " + b.node().counters());
            assertEquals(0L, a.node().counters().get(peerB + "connect_failures"));
            assertEquals(bundle, a.connectionTypes(bNid));
            assertEquals(bundle, b.connectionTypes(aNid));
        }
    }
}
