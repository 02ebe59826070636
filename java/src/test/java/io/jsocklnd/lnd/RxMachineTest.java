package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.KsockChecksum;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.jsocklnd.lnd.RxHarness.AWAIT;
import static io.jsocklnd.lnd.RxHarness.DELIVER;
import static io.jsocklnd.lnd.RxHarness.DROP;
import static io.jsocklnd.lnd.RxHarness.NEVER;
import static io.jsocklnd.lnd.RxHarness.TRUNCATE;
import static io.jsocklnd.lnd.RxHarness.awaitThen;
import static io.jsocklnd.lnd.RxHarness.decision;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.SOCKNAL_KEEPALIVE_PING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receive state machine driven without a socket ({@link RxHarness}): well-formed streams of every protocol
 * version give the same headers, payloads and ZC cookies whether they come in one piece, byte by byte or in any
 * pieces; payloads go where the decision says; bad input and the end of the stream stop it for good.
 */
@Timeout(120)
class RxMachineTest
{
    private static final byte[] WHOLE = new byte[0];
    private static final byte[] BYTE_BY_BYTE = {1};
    private static final byte[] DELIVER_ALL = new byte[0];

    private final RxHarness harness = new RxHarness(Integer.MAX_VALUE);

    static Stream<Arguments> protocols()
    {
        return Stream.of(
            Arguments.of(1, "LITTLE_ENDIAN", false),
            Arguments.of(2, "LITTLE_ENDIAN", false),
            Arguments.of(2, "LITTLE_ENDIAN", true),
            Arguments.of(2, "BIG_ENDIAN", false),
            Arguments.of(2, "BIG_ENDIAN", true),
            Arguments.of(3, "LITTLE_ENDIAN", false),
            Arguments.of(3, "LITTLE_ENDIAN", true),
            Arguments.of(3, "BIG_ENDIAN", true));
    }

    @ParameterizedTest(name = "V{0} {1} checksums={2}")
    @MethodSource("protocols")
    void shouldGiveTheSameHeadersAndPayloadsInOnePieceByteByByteAndInAnyPieces(
        final int version, final String orderName, final boolean checksums)
    {
        final RxStreams streams = wellFormed(version, orderName, checksums);
        final byte[] bytes = streams.bytes();
        final List<String> expected = streams.expected();

        assertEquals(expected, run(streams, bytes, WHOLE, DELIVER_ALL));
        assertEquals(expected, run(streams, bytes, BYTE_BY_BYTE, DELIVER_ALL));
        final Random random = new Random(version * 31L + (checksums ? 1 : 0));
        for (int i = 0; i < 20; i++)
        {
            final byte[] splits = new byte[1 + random.nextInt(16)];
            random.nextBytes(splits);
            assertEquals(expected, run(streams, bytes, splits, DELIVER_ALL), () -> Arrays.toString(splits));
        }
    }

    @ParameterizedTest(name = "V{0} {1} checksums={2}")
    @MethodSource("protocols")
    void shouldStoreWhatFitsAndSkipTheRestOrDropOrAwaitAsDecidedInAnyPieces(
        final int version, final String orderName, final boolean checksums)
    {
        final RxStreams streams = new RxStreams(version, order(orderName), checksums);
        final byte[][] payloads = new byte[7][];
        for (int i = 0; i < payloads.length; i++)
        {
            payloads[i] = RxStreams.payload(40_000 + i, i);
            streams.message(LNET_MSG_PUT, 0, 0, payloads[i]);
        }
        final byte[] decisions = {
            decision(DELIVER, 5), decision(TRUNCATE, 9), decision(DROP, 0), awaitThen(DELIVER, 0),
            awaitThen(TRUNCATE, 20), awaitThen(DROP, 0), decision(TRUNCATE, 63)};
        final int[] stored = {40_000, 40_001 - 10, 0, 40_003, 40_004 - 21, 0, 40_006 - 64};

        final List<String> whole = run(streams, streams.bytes(), WHOLE, decisions);
        final List<String> payloadEvents = new ArrayList<>();
        for (int i = 0; i < payloads.length; i++)
        {
            payloadEvents.add(RxHarness.payloadEvent(
                stored[i], payloads[i].length, RxStreams.crc(Arrays.copyOf(payloads[i], stored[i]))));
        }
        assertEquals(payloadEvents, whole.stream().filter(e -> e.startsWith("payload ")).toList());
        assertEquals(whole, run(streams, streams.bytes(), BYTE_BY_BYTE, decisions));
        assertEquals(whole, run(streams, streams.bytes(), new byte[] {(byte)200, 0, 7, (byte)130, 0, 1}, decisions));
    }

    @Test
    void shouldReadNothingWhileADecisionIsAwaitedAndAbortItOnceOnClose()
    {
        final RxStreams streams = new RxStreams(3, ByteOrder.LITTLE_ENDIAN, false)
            .message(LNET_MSG_PUT, 7, 0, RxStreams.payload(100, 1))
            .message(LNET_MSG_PUT, 8, 0, RxStreams.payload(100, 2));
        final List<String> events = run(streams, streams.bytes(), WHOLE,
            new byte[] {decision(DELIVER, 0), decision(AWAIT, NEVER)});

        final List<String> expected = new ArrayList<>(streams.expected().subList(0, 4));
        expected.add("aborted " + -Errno.ECONNRESET);
        assertEquals(expected, events);
    }

    @Test
    void shouldAbortOnceAReceiveCutOffInItsPayload()
    {
        final RxStreams streams = new RxStreams(2, ByteOrder.BIG_ENDIAN, false)
            .message(LNET_MSG_PUT, 0, 0, RxStreams.payload(30_000, 1));
        final byte[] cut = Arrays.copyOf(streams.bytes(), streams.bytes().length - 1);

        assertEquals(List.of(streams.expected().get(0), "aborted " + -Errno.ECONNRESET),
            run(streams, cut, WHOLE, DELIVER_ALL));
    }

    @Test
    void shouldTellACleanEndOfStreamFromOneInsideAMessage()
    {
        final RxStreams streams = wellFormed(3, "LITTLE_ENDIAN", false);
        final byte[] bytes = streams.bytes();

        final List<String> clean = new ArrayList<>(streams.expected());
        clean.add("end of stream errno=0");
        assertEquals(clean, harness.run(streams.proto(), streams.order(), bytes, BYTE_BY_BYTE, DELIVER_ALL, 0, true));

        final byte[] inHeader = Arrays.copyOf(bytes, bytes.length + 10);
        assertEquals("end of stream errno=" + Errno.EPROTO, last(
            harness.run(streams.proto(), streams.order(), inHeader, WHOLE, DELIVER_ALL, 0, true)));

        final byte[] inPayload = Arrays.copyOf(bytes, bytes.length - 1);
        final List<String> cut = harness.run(streams.proto(), streams.order(), inPayload, WHOLE, DELIVER_ALL, 0, true);
        assertEquals(List.of("end of stream errno=" + Errno.EPROTO, "aborted " + -Errno.ECONNRESET),
            cut.subList(cut.size() - 2, cut.size()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void shouldCheckV2AndV3ChecksumsAndStopForGoodOnAMismatch(final String orderName)
    {
        final byte[] second = RxStreams.payload(1_000, 2);
        final RxStreams streams = new RxStreams(2, order(orderName), true)
            .message(LNET_MSG_PUT, 0, 0, RxStreams.payload(1_000, 1))
            .message(LNET_MSG_PUT, 0, 0, second)
            .message(LNET_MSG_PUT, 0, 0, RxStreams.payload(1_000, 3));
        final byte[] damaged = streams.bytes();
        final int messageLength = KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + 1_000;
        damaged[messageLength + KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + 500] ^= 1;

        final List<String> events = run(streams, damaged, BYTE_BY_BYTE, DELIVER_ALL);

        final List<String> expected = new ArrayList<>(streams.expected().subList(0, 3));
        assertEquals(expected, events.subList(0, 3));
        assertTrue(events.get(3).startsWith("error bad ksock msg: field=ksm_csum value=0x"), events.get(3));
        assertTrue(events.get(3).endsWith("LNET checksum mismatch, computed=" + checksum(damaged, messageLength,
            messageLength)), events.get(3));
        assertEquals(List.of("aborted " + -Errno.ECONNRESET), events.subList(4, events.size()));
        assertEquals(1, harness.peer().checksumErrors.get());

        // V3 checks the payload alone: a damaged LNet header passes, a damaged payload does not.
        final RxStreams v3 = new RxStreams(3, order(orderName), true)
            .message(LNET_MSG_PUT, 0, 0, RxStreams.payload(1_000, 1));
        final byte[] v3Header = v3.bytes();
        v3Header[KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH - 1] ^= 1;
        final List<String> unchecked = run(v3, v3Header, WHOLE, DELIVER_ALL);
        assertEquals(2, unchecked.size(), unchecked::toString);
        assertTrue(unchecked.get(1).startsWith("payload stored=1000 length=1000 "), unchecked::toString);
        final byte[] v3Damaged = v3.bytes();
        v3Damaged[v3Damaged.length - 1] ^= 1;
        final List<String> checked = run(v3, v3Damaged, WHOLE, DELIVER_ALL);
        assertTrue(checked.get(1).startsWith("error bad ksock msg: field=ksm_csum value=0x"), checked::toString);
        assertTrue(checked.get(1).endsWith("LNET checksum mismatch, computed=0x" +
            Integer.toHexString(new KsockChecksum().update(v3Damaged, KsockMsgFlyweight.LENGTH +
            LnetHeaderFlyweight.LENGTH, 1_000).value())), checked::toString);
    }

    @Test
    void shouldStopForGoodOnANoopWhoseChecksumDoesNotMatch()
    {
        final RxStreams streams = new RxStreams(2, ByteOrder.LITTLE_ENDIAN, true).noop(0, 5).noop(0, 6);
        final byte[] damaged = streams.bytes();
        damaged[KsockMsgFlyweight.LENGTH + KsockMsgFlyweight.KSM_ZC_COOKIE1_OFFSET] ^= 3;

        final List<String> events = run(streams, damaged, WHOLE, DELIVER_ALL);

        assertEquals(List.of(RxHarness.ackEvent(true, 0, 5)), events.subList(0, 1));
        assertTrue(events.get(1).startsWith("error bad ksock msg: field=ksm_csum"), events::toString);
        assertTrue(events.get(1).endsWith("NOOP checksum mismatch, computed=" +
            checksum(damaged, KsockMsgFlyweight.LENGTH, KsockMsgFlyweight.LENGTH)), events::toString);
        assertEquals(2, events.size(), events::toString);
    }

    @Test
    void shouldStopForGoodOnAnUnknownKsockMessageTypeOrLnetMessageType()
    {
        final RxStreams streams = new RxStreams(3, ByteOrder.LITTLE_ENDIAN, false)
            .message(LNET_MSG_GET, 0, 0, new byte[0]);
        final byte[] badKsock = streams.bytes();
        badKsock[0] = (byte)0xc2;
        assertEquals(List.of("error bad ksock msg: field=ksm_type value=0xc2"), run(streams, badKsock, WHOLE, DELIVER_ALL));

        final byte[] badLnet = streams.bytes();
        badLnet[KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.TYPE_OFFSET] = 7;
        assertEquals(List.of("error bad lnet header: field=type value=7"), run(streams, badLnet, BYTE_BY_BYTE, DELIVER_ALL));

        final RxStreams v1 = new RxStreams(1, ByteOrder.LITTLE_ENDIAN, false).message(LNET_MSG_PUT, 0, 0, new byte[10]);
        final byte[] badV1 = v1.bytes();
        badV1[LnetHeaderFlyweight.PAYLOAD_LENGTH_OFFSET + 3] = 0x7f;
        final List<String> events = run(v1, badV1, WHOLE, DELIVER_ALL);
        assertEquals(1, events.size(), events::toString);
        assertTrue(events.get(0).startsWith("error bad lnet header: field=payload_length"), events::toString);
    }

    @Test
    void shouldTakeNothingMoreOnceTheHandlerClosesItAtAZcAck()
    {
        final RxStreams streams = new RxStreams(3, ByteOrder.LITTLE_ENDIAN, false)
            .noop(0, 4)
            .message(LNET_MSG_PUT, 0, 5, RxStreams.payload(10, 1))
            .message(LNET_MSG_PUT, 0, 0, RxStreams.payload(10, 2));

        final List<String> events = harness.run(
            streams.proto(), streams.order(), streams.bytes(), BYTE_BY_BYTE, DELIVER_ALL, 2, true);

        assertEquals(List.of(streams.expected().get(0), streams.expected().get(1), "closed at the ack"), events);
    }

    @Test
    void shouldCountBytesHeadersNoopsAndMessagesIn()
    {
        final RxStreams streams = wellFormed(3, "LITTLE_ENDIAN", false);
        final byte[] bytes = streams.bytes();
        run(streams, bytes, WHOLE, DELIVER_ALL);

        final ConnectionCounters counters = harness.counters();
        assertEquals(bytes.length, counters.bytesIn.get());
        assertEquals(bytes.length, harness.peer().bytesIn.get());
        assertEquals(3, counters.noopsIn.get());
        assertEquals(10, counters.ksmHeadersIn.get());
        assertEquals(7, counters.msgsIn.get());
        assertEquals(7, harness.peer().msgsIn.get());
    }

    static Stream<String> orders()
    {
        return Stream.of("LITTLE_ENDIAN", "BIG_ENDIAN");
    }

    /**
     * NOOPs (no ACK, the keepalive, a range), and messages of every type with and without a ZC request or a
     * piggybacked ACK, empty, small, larger than a quarter of the receive buffer (read straight into place) and
     * larger than the buffer; V1 has the messages only.
     */
    private static RxStreams wellFormed(final int version, final String orderName, final boolean checksums)
    {
        final RxStreams streams = new RxStreams(version, order(orderName), checksums);
        if (version > 1)
        {
            streams.noop(0, 0).noop(0, SOCKNAL_KEEPALIVE_PING).noop(5, 7);
        }
        return streams
            .message(LNET_MSG_PUT, 9, 0, RxStreams.payload(100, 1))
            .message(LNET_MSG_GET, 0, 0, new byte[0])
            .message(LNET_MSG_ACK, 0, 2, new byte[0])
            .message(LNET_MSG_PUT, 10, 3, RxStreams.payload(100_000, 2))
            .message(LNET_MSG_REPLY, 0, 4, RxStreams.payload(70_000, 3))
            .message(LNET_MSG_PUT, 0, 0, new byte[0])
            .message(LNET_MSG_PUT, 11, 0, RxStreams.payload(200_000, 4));
    }

    private List<String> run(final RxStreams streams, final byte[] bytes, final byte[] splits, final byte[] decisions)
    {
        return harness.run(streams.proto(), streams.order(), bytes, splits, decisions, 0, false);
    }

    private static ByteOrder order(final String name)
    {
        return name.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    private static String checksum(final byte[] bytes, final int offset, final int length)
    {
        return "0x" + Integer.toHexString(new KsockChecksum().computeV2(new UnsafeBuffer(bytes), offset, length));
    }

    private static String last(final List<String> events)
    {
        return events.get(events.size() - 1);
    }
}
