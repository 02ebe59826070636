package io.jsocklnd.lnet;

import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.jsocklnd.wire.WireConstants.LNET_NI_STATUS_UP;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_PING_MATCHBITS;
import static io.jsocklnd.wire.WireConstants.LNET_RESERVED_PORTAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LNet ping: the ping info layout of PROTOCOL.md §14 byte for byte, decoding in both byte orders and the checks
 * of {@code lnet_ping_info_validate}, our ping answered by our node in both directions, and the push target.
 */
@Timeout(60)
class PingTest
{
    /** 127.0.62.2@tcp's ping info as a little-endian kernel writes it: features NI_STATUS|RTE_DISABLED. */
    private static final String GOLDEN_B =
        "676e6970" + "06000000" + "39300000" + "02000000" +
        "0000000000000900" + "01000000" + "00000000" +
        "023e007f00000200" + "dec0aa15" + "00000000";

    private static Lnet a;
    private static Lnet b;

    @BeforeAll
    static void start() throws Exception
    {
        a = LnetNodes.start("127.0.62.1@tcp");
        b = LnetNodes.start("127.0.62.2@tcp");
    }

    @AfterAll
    static void stop()
    {
        a.close();
        b.close();
    }

    @Test
    void shouldEncodeThePingInfoLayout()
    {
        final UnsafeBuffer buffer = LnetNodes.direct(64);
        final int length = PingInfo.encode(buffer, 0, Lnet.PING_FEATURES, LNET_PID_LUSTRE, 1, Nid.parse("127.0.62.2@tcp"));
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        assertEquals(GOLDEN_B, HexFormat.of().formatHex(bytes));
    }

    @Test
    void shouldReplyToAPingGetWithTheGoldenBytes()
    {
        final LnetNodes.Collector events = new LnetNodes.Collector(a);
        final UnsafeBuffer sink = LnetNodes.direct(4096);
        final long md = a.bind(new MemoryDescriptor().memory(sink, 0, 4096).options(MemoryDescriptor.TRUNCATE).threshold(2));

        assertEquals(0, a.get(md, b.nid(), LNET_PID_LUSTRE, LNET_RESERVED_PORTAL, LNET_PROTO_PING_MATCHBITS, 0));

        final Recorded reply = events.await(LnetEventType.REPLY, 10_000);
        assertNotNull(reply);
        assertEquals(48, reply.mlength());
        final byte[] bytes = new byte[reply.mlength()];
        sink.getBytes(0, bytes);
        assertEquals(GOLDEN_B, HexFormat.of().formatHex(bytes));
    }

    @Test
    void shouldPingAPeerAndListItsInterfacesBothWays() throws Exception
    {
        final long answeredBefore = b.counter("pings_answered");
        final PingResult ab = a.ping(b.nid(), LNET_PID_LUSTRE, 10, TimeUnit.SECONDS);
        assertEquals(List.of(new PingInfo.NiStatus(b.nid(), LNET_NI_STATUS_UP, 0)), ab.info().interfaces());
        assertEquals(LNET_PID_LUSTRE, ab.info().pid());
        assertEquals(Lnet.PING_FEATURES, ab.info().features());
        assertEquals(1, ab.info().sequence());
        assertTrue(ab.rttNs() > 0);
        assertEquals(answeredBefore + 1, b.counter("pings_answered"));

        final PingResult ba = b.ping(a.nid(), LNET_PID_LUSTRE, 10, TimeUnit.SECONDS);
        assertEquals(List.of(new PingInfo.NiStatus(a.nid(), LNET_NI_STATUS_UP, 0)), ba.info().interfaces());
        assertEquals("NI_STATUS|RTE_DISABLED", ba.info().featureText());
    }

    @Test
    void shouldFailAPingOfAnUnreachableNode()
    {
        final Exception ex = assertThrows(Exception.class,
            () -> a.ping(Nid.parse("127.0.62.254@tcp"), LNET_PID_LUSTRE, 3, TimeUnit.SECONDS));
        assertTrue(ex instanceof IOException || ex instanceof TimeoutException, ex.toString());
    }

    @Test
    void shouldAcceptAPushOnTheReservedPortalAndAckIt()
    {
        final LnetNodes.Collector events = new LnetNodes.Collector(a);
        final UnsafeBuffer info = LnetNodes.direct(64);
        final int length = PingInfo.encode(info, 0, Lnet.PING_FEATURES, LNET_PID_LUSTRE, 5, a.nid());
        final long md = a.bind(new MemoryDescriptor().memory(info, 0, length).threshold(2));

        assertEquals(0, a.put(md, true, b.nid(), LNET_PID_LUSTRE, LNET_RESERVED_PORTAL, LNET_PROTO_PING_MATCHBITS, 0, 0));

        final Recorded ack = events.await(LnetEventType.ACK, 10_000);
        assertNotNull(ack);
        assertEquals(length, ack.mlength());
    }

    @Test
    void shouldDecodeABigEndianPingInfo()
    {
        final byte[] le = HexFormat.of().parseHex(GOLDEN_B);
        final byte[] be = le.clone();
        swap(be, 0, 4);
        swap(be, 4, 4);
        swap(be, 8, 4);
        swap(be, 12, 4);
        for (int entry = 0; entry < 2; entry++)
        {
            final int at = 16 + entry * 16;
            swap(be, at, 8);
            swap(be, at + 8, 4);
            swap(be, at + 12, 4);
        }
        final PingInfo fromLe = PingInfo.decode(new UnsafeBuffer(le), 0, le.length, 16);
        final PingInfo fromBe = PingInfo.decode(new UnsafeBuffer(be), 0, be.length, 16);
        assertTrue(fromBe.swapped());
        assertEquals(fromLe.entries(), fromBe.entries());
        assertEquals(fromLe.features(), fromBe.features());
        assertEquals(LNET_PID_LUSTRE, fromBe.pid());
        assertEquals(Nid.parse("127.0.62.2@tcp"), fromBe.interfaces().get(0).nid());
    }

    @Test
    void shouldRejectWhatLnetPingInfoValidateRejects()
    {
        final byte[] golden = HexFormat.of().parseHex(GOLDEN_B);

        final byte[] badMagic = golden.clone();
        badMagic[0] = 0;
        assertThrows(ProtocolException.class, () -> PingInfo.decode(new UnsafeBuffer(badMagic), 0, 48, 16));

        final byte[] noStatus = golden.clone();
        noStatus[4] = 4;
        assertThrows(ProtocolException.class, () -> PingInfo.decode(new UnsafeBuffer(noStatus), 0, 48, 16));

        final byte[] noNis = golden.clone();
        noNis[12] = 0;
        assertThrows(ProtocolException.class, () -> PingInfo.decode(new UnsafeBuffer(noNis), 0, 48, 16));

        final byte[] noLo = golden.clone();
        noLo[22] = 2;
        assertThrows(ProtocolException.class, () -> PingInfo.decode(new UnsafeBuffer(noLo), 0, 48, 16));

        assertThrows(ProtocolException.class, () -> PingInfo.decode(new UnsafeBuffer(golden), 0, 31, 16));
    }

    @Test
    void shouldKeepTheEntriesThatArrivedOfATruncatedReply()
    {
        final byte[] golden = HexFormat.of().parseHex(GOLDEN_B);
        golden[12] = 3;
        final PingInfo info = PingInfo.decode(new UnsafeBuffer(golden), 0, 48, 16);
        assertEquals(3, info.nnis());
        assertEquals(2, info.entries().size());
        assertArrayEquals(new long[]{Nid.LO, Nid.parse("127.0.62.2@tcp")},
            info.entries().stream().mapToLong(PingInfo.NiStatus::nid).toArray());
    }

    private static void swap(final byte[] bytes, final int at, final int length)
    {
        for (int i = 0; i < length / 2; i++)
        {
            final byte t = bytes[at + i];
            bytes[at + i] = bytes[at + length - 1 - i];
            bytes[at + length - 1 - i] = t;
        }
    }
}
