package io.jsocklnd.decode;

import io.jsocklnd.pcap.TcpConversation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static io.jsocklnd.decode.Conversations.assertTiled;
import static io.jsocklnd.decode.WireBytes.CLIENT_NID;
import static io.jsocklnd.decode.WireBytes.SERVER_NID;
import static io.jsocklnd.decode.WireBytes.ack;
import static io.jsocklnd.decode.WireBytes.concat;
import static io.jsocklnd.decode.WireBytes.connreq;
import static io.jsocklnd.decode.WireBytes.connreqV2;
import static io.jsocklnd.decode.WireBytes.hello;
import static io.jsocklnd.decode.WireBytes.noop;
import static io.jsocklnd.decode.WireBytes.payload;
import static io.jsocklnd.decode.WireBytes.put;
import static io.jsocklnd.decode.WireBytes.put16;
import static io.jsocklnd.decode.WireBytes.putHeader;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dissector on streams written with the wire codecs: both byte orders, V1, V2/V3 and V4 framing, the version
 * taken from the passive side's reply, resynchronisation of streams captured mid-way, and missing bytes.
 */
@Timeout(10)
class StreamDissectorTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    @Test
    void shouldDecodeBigEndianPeerInItsOwnByteOrder()
    {
        final byte[] c2s = concat(connreq(SERVER_NID, BE), hello(3, BE, CLIENT_NID, SERVER_NID, 0x1122334455667788L,
            SOCKLND_CONN_CONTROL, 0x0a000002), noop(BE, 0, 7), put(BE, SERVER_NID, CLIENT_NID, 0x42, 300));
        final byte[] s2c = concat(hello(3, LE, SERVER_NID, CLIENT_NID, 77, SOCKLND_CONN_CONTROL), noop(LE, 0, 1));
        final TcpConversation conversation = Conversations.of(c2s, s2c, true);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        final List<DecodedRecord> sent = Conversations.of(records, StreamDirection.C2S);
        assertEquals(List.of(RecordKind.CONNREQ, RecordKind.HELLO, RecordKind.NOOP, RecordKind.LNET),
            sent.stream().map(DecodedRecord::kind).toList());
        for (final DecodedRecord record : sent)
        {
            assertEquals("be", record.text("byte_order"), record::toString);
        }
        assertEquals(SERVER_NID, sent.get(0).text("nid"));
        final DecodedRecord hello = sent.get(1);
        assertEquals(CLIENT_NID, hello.text("src_nid"));
        assertEquals(SERVER_NID, hello.text("dst_nid"));
        assertEquals(0x1122334455667788L, hello.number("src_incarnation"));
        assertEquals(List.of("10.0.0.2"), hello.list("ips"));
        assertEquals(7, sent.get(2).number("zc_ack_cookie"));
        final DecodedRecord lnet = sent.get(3);
        assertEquals("PUT", lnet.text("type"));
        assertEquals(300, lnet.number("payload_length"));
        assertEquals(0x42, lnet.number("match_bits"));
        assertEquals(26, lnet.number("portal"));
        assertEquals(224, lnet.number("offset"));
        assertEquals(0x0102030405060708L, lnet.number("hdr_data"));
        assertEquals(96 + 300, lnet.streamLength());
        assertEquals("le", Conversations.of(records, StreamDirection.S2C).get(1).text("byte_order"));
        assertReencodes(conversation, records);
    }

    @Test
    void shouldFrameBothDirectionsWithTheVersionOfThePassiveReply()
    {
        final byte[] c2s = concat(connreq(SERVER_NID, LE), hello(3, LE, CLIENT_NID, SERVER_NID, 1, SOCKLND_CONN_BULK_IN),
            noop(LE, 0, 9));
        final byte[] s2c = concat(hello(2, LE, SERVER_NID, CLIENT_NID, 2, SOCKLND_CONN_BULK_OUT),
            put(LE, CLIENT_NID, SERVER_NID, 1, 0));
        final List<DecodedRecord> records = StreamDissector.dissect(Conversations.of(c2s, s2c, true));

        for (final DecodedRecord record : records)
        {
            if (record.kind() == RecordKind.NOOP || record.kind() == RecordKind.LNET)
            {
                assertEquals(2, record.number("version"), record::toString);
            }
        }
        assertEquals(5, records.size());
    }

    @Test
    void shouldDecodeV1HelloAndBareLnetHeaders()
    {
        final byte[] c2s = concat(connreq(SERVER_NID, LE), hello(1, LE, CLIENT_NID, SERVER_NID, 5, SOCKLND_CONN_CONTROL,
            0x0a000002, 0x0a000012), putHeader(SERVER_NID, CLIENT_NID, 3, 10), payload(10),
            putHeader(SERVER_NID, CLIENT_NID, 4, 0));
        final byte[] s2c = hello(1, LE, SERVER_NID, CLIENT_NID, 6, SOCKLND_CONN_CONTROL);
        final TcpConversation conversation = Conversations.of(c2s, s2c, true);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        final List<DecodedRecord> sent = Conversations.of(records, StreamDirection.C2S);
        assertEquals(List.of(RecordKind.CONNREQ, RecordKind.HELLO, RecordKind.V1, RecordKind.V1),
            sent.stream().map(DecodedRecord::kind).toList());
        final DecodedRecord hello = sent.get(1);
        assertEquals("0xeebc0ded", hello.text("magic"));
        assertEquals(1, hello.number("version"));
        assertEquals(2, hello.number("nips"));
        assertEquals(List.of("10.0.0.2", "10.0.0.18"), hello.list("ips"));
        assertEquals("HELLO", hello.text("type"));
        assertFalse(hello.has("dst_nid"));
        assertEquals(72 + 8, hello.streamLength());
        assertEquals(3, sent.get(2).number("match_bits"));
        assertEquals(72 + 10, sent.get(2).streamLength());
        assertEquals(4, sent.get(3).number("match_bits"));
        assertReencodes(conversation, records);
    }

    @Test
    void shouldDecodeV4ConnectionWithLargeNids()
    {
        final String client = "fd00::2@tcp";
        final String server = "fd00::1@tcp";
        final byte[] c2s = concat(connreqV2(server, LE), hello(4, LE, client, server, 11, SOCKLND_CONN_CONTROL),
            put16(LE, server, client, 0x77, 40));
        final byte[] s2c = concat(hello(4, LE, server, client, 12, SOCKLND_CONN_CONTROL), noop(LE, 0, 1));
        final TcpConversation conversation = Conversations.of(c2s, s2c, true);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        final List<DecodedRecord> sent = Conversations.of(records, StreamDirection.C2S);
        assertEquals(2, sent.get(0).number("version"));
        assertEquals(server, sent.get(0).text("nid"));
        assertEquals(client, sent.get(1).text("src_nid"));
        final DecodedRecord lnet = sent.get(2);
        assertEquals(RecordKind.LNET, lnet.kind());
        assertEquals(4, lnet.number("version"));
        assertEquals(server, lnet.text("dst_nid"));
        assertEquals(client, lnet.text("src_nid"));
        assertEquals(24 + 96 + 40, lnet.streamLength());
        assertReencodes(conversation, records);
    }

    @Test
    void shouldResynchroniseStreamCapturedMidwayAndExplainTheSkippedPrefix()
    {
        final byte[] junk = new byte[37];
        Arrays.fill(junk, (byte)0x55);
        final byte[] c2s = concat(junk, put(LE, SERVER_NID, CLIENT_NID, 1, 50), noop(LE, 0, 3),
            ack(LE, SERVER_NID, CLIENT_NID, 2, 8));
        final TcpConversation conversation = Conversations.of(c2s, new byte[0], false);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        assertEquals(List.of(RecordKind.SKIPPED, RecordKind.LNET, RecordKind.NOOP, RecordKind.LNET),
            records.stream().map(DecodedRecord::kind).toList());
        assertEquals(37, records.get(0).streamLength());
        assertEquals("capture starts mid-stream: ksock (v2/v3) framing found at stream_offset=37",
            records.get(0).text("reason"));
        assertFalse(records.get(1).has("version"));
        assertEquals("ACK", records.get(3).text("type"));
        assertEquals(8, records.get(3).number("mlength"));
        assertReencodes(conversation, records);
    }

    @Test
    void shouldResynchroniseBigEndianKsockFramingWithoutSkipping()
    {
        final byte[] c2s = concat(noop(BE, 5, 7), put(BE, SERVER_NID, CLIENT_NID, 1, 0), noop(BE, 0, 1));
        final TcpConversation conversation = Conversations.of(c2s, new byte[0], false);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertEquals(List.of(RecordKind.NOOP, RecordKind.LNET, RecordKind.NOOP),
            records.stream().map(DecodedRecord::kind).toList());
        assertEquals("be", records.get(0).text("byte_order"));
        assertEquals(5, records.get(0).number("zc_req_cookie"));
        assertReencodes(conversation, records);
    }

    @Test
    void shouldResynchroniseV1FramingMidStream()
    {
        final byte[] c2s = concat(new byte[] {1, 2, 3}, putHeader(SERVER_NID, CLIENT_NID, 1, 4), payload(4),
            putHeader(SERVER_NID, CLIENT_NID, 2, 0), putHeader(SERVER_NID, CLIENT_NID, 3, 0));
        final TcpConversation conversation = Conversations.of(c2s, new byte[0], false);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        assertEquals(List.of(RecordKind.SKIPPED, RecordKind.V1, RecordKind.V1, RecordKind.V1),
            records.stream().map(DecodedRecord::kind).toList());
        assertEquals("capture starts mid-stream: v1 framing found at stream_offset=3", records.get(0).text("reason"));
    }

    @Test
    void shouldSkipNothingDecodableWithReason()
    {
        final byte[] c2s = new byte[64];
        Arrays.fill(c2s, (byte)0x11);
        final TcpConversation conversation = Conversations.of(c2s, new byte[0], false);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertEquals(1, records.size());
        assertEquals(RecordKind.SKIPPED, records.get(0).kind());
        assertEquals(64, records.get(0).streamLength());
        assertEquals("capture starts mid-stream: no socklnd framing found", records.get(0).text("reason"));
    }

    @Test
    void shouldMarkMissingBytesAndResynchroniseAfterThem()
    {
        // connreq + hello = 72 bytes, then five 396-byte PUTs at 72, 468, 864, 1260, 1656. Segment 6 (600..700)
        // lies inside the second PUT's payload; segment 9 (900..1000) cuts the third PUT's LNet header (888..960).
        final byte[] c2s = concat(connreq(SERVER_NID, LE), hello(3, LE, CLIENT_NID, SERVER_NID, 1, SOCKLND_CONN_BULK_OUT),
            put(LE, SERVER_NID, CLIENT_NID, 1, 300), put(LE, SERVER_NID, CLIENT_NID, 2, 300),
            put(LE, SERVER_NID, CLIENT_NID, 3, 300), put(LE, SERVER_NID, CLIENT_NID, 4, 300),
            put(LE, SERVER_NID, CLIENT_NID, 5, 300));
        final byte[] s2c = hello(3, LE, SERVER_NID, CLIENT_NID, 2, SOCKLND_CONN_BULK_IN);
        final TcpConversation conversation = Conversations.of(c2s, s2c, true, Set.of(6, 9));

        final List<DecodedRecord> records = Conversations.of(StreamDissector.dissect(conversation), StreamDirection.C2S);

        assertTiled(conversation, StreamDissector.dissect(conversation));
        assertEquals(List.of(RecordKind.CONNREQ, RecordKind.HELLO, RecordKind.LNET, RecordKind.LNET, RecordKind.GAP,
            RecordKind.SKIPPED, RecordKind.LNET, RecordKind.LNET), records.stream().map(DecodedRecord::kind).toList());
        assertFalse(records.get(2).has("payload_captured"));
        assertEquals(Boolean.FALSE, records.get(3).fields().get("payload_captured"));
        assertEquals(864, records.get(4).streamOffset());
        assertEquals(1000 - 864, records.get(4).streamLength());
        assertEquals("lnet header cut by missing bytes: missing=900..1000", records.get(4).text("reason"));
        assertEquals(1000, records.get(5).streamOffset());
        assertEquals(1260 - 1000, records.get(5).streamLength());
        assertEquals("after missing bytes: ksock (v2/v3) framing found at stream_offset=1260",
            records.get(5).text("reason"));
        assertEquals(4, records.get(6).number("match_bits"));
        assertEquals(5, records.get(7).number("match_bits"));
    }

    @Test
    void shouldFrameReplyWhoseHelloWasNotCapturedWithTheActiveSidesVersion()
    {
        // s2c: hello 0..56, PUT 56..452, NOOP 452..476; its first 100-byte segment was not captured.
        final byte[] c2s = concat(connreq(SERVER_NID, LE), hello(3, LE, CLIENT_NID, SERVER_NID, 1, SOCKLND_CONN_CONTROL));
        final byte[] s2c = concat(hello(3, LE, SERVER_NID, CLIENT_NID, 2, SOCKLND_CONN_CONTROL),
            put(LE, CLIENT_NID, SERVER_NID, 1, 300), noop(LE, 0, 1));
        final TcpConversation conversation = Conversations.of(c2s, s2c, true, Set.of(), Set.of(0));

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        final List<DecodedRecord> received = Conversations.of(records, StreamDirection.S2C);
        assertEquals(List.of(RecordKind.GAP, RecordKind.SKIPPED, RecordKind.NOOP),
            received.stream().map(DecodedRecord::kind).toList());
        assertEquals("bytes not captured: missing=0..100", received.get(0).text("reason"));
        assertEquals(-1, received.get(0).firstFrame());
        assertEquals("after missing bytes: ksock (v2/v3) framing found at stream_offset=452",
            received.get(1).text("reason"));
        assertEquals(3, received.get(2).number("version"));
        assertEquals(1, received.get(2).number("zc_ack_cookie"));
    }

    @Test
    void shouldReportHelloCutByMissingBytesAsGapThenResynchronise()
    {
        // c2s: connreq 0..16, hello with 16 IPs 16..136, NOOP 136..160, PUT 160..556, NOOP 556..580; the second
        // 100-byte segment (100..200) is missing, so the hello is cut.
        final int[] ips = new int[16];
        Arrays.fill(ips, 0x0a000002);
        final byte[] c2s = concat(connreq(SERVER_NID, LE),
            hello(3, LE, CLIENT_NID, SERVER_NID, 1, SOCKLND_CONN_CONTROL, ips), noop(LE, 0, 2),
            put(LE, SERVER_NID, CLIENT_NID, 1, 300), noop(LE, 0, 3));
        final byte[] s2c = hello(3, LE, SERVER_NID, CLIENT_NID, 2, SOCKLND_CONN_CONTROL);
        final TcpConversation conversation = Conversations.of(c2s, s2c, true, Set.of(1));

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        final List<DecodedRecord> sent = Conversations.of(records, StreamDirection.C2S);
        assertEquals(List.of(RecordKind.CONNREQ, RecordKind.GAP, RecordKind.SKIPPED, RecordKind.NOOP),
            sent.stream().map(DecodedRecord::kind).toList());
        assertEquals(16, sent.get(1).streamOffset());
        assertEquals(200 - 16, sent.get(1).streamLength());
        assertEquals("hello cut by missing bytes: missing=100..200", sent.get(1).text("reason"));
        assertEquals("after missing bytes: ksock (v2/v3) framing found at stream_offset=556", sent.get(2).text("reason"));
        assertEquals(3, sent.get(3).number("zc_ack_cookie"));
        assertEquals(3, sent.get(3).number("version"));
    }

    @Test
    void shouldOrderRecordsByTheFrameThatCompletesThem()
    {
        final byte[] c2s = concat(connreq(SERVER_NID, LE), hello(3, LE, CLIENT_NID, SERVER_NID, 1, SOCKLND_CONN_CONTROL),
            put(LE, SERVER_NID, CLIENT_NID, 1, 250));
        final byte[] s2c = concat(hello(3, LE, SERVER_NID, CLIENT_NID, 2, SOCKLND_CONN_CONTROL), noop(LE, 0, 1));
        final TcpConversation conversation = Conversations.of(c2s, s2c, true);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        // Frames: 1 SYN, 2 SYN-ACK, 3..7 the 418 c2s bytes in 100-byte segments, 8 the 80 s2c bytes.
        assertEquals(List.of(3, 3, 7, 8, 8), records.stream().map(DecodedRecord::lastFrame).toList());
        assertEquals(List.of(3, 3, 3, 8, 8), records.stream().map(DecodedRecord::firstFrame).toList());
        assertTrue(records.get(2).toJson().contains("\"first_frame\":3,\"last_frame\":7,"));
    }

    static void assertReencodes(final TcpConversation conversation, final List<DecodedRecord> records)
    {
        for (final DecodedRecord record : records)
        {
            if (record.kind() == RecordKind.SKIPPED || record.kind() == RecordKind.GAP)
            {
                continue;
            }
            final byte[] stream = (record.direction() == StreamDirection.C2S ?
                conversation.clientToServer() : conversation.serverToClient()).bytes();
            final byte[] encoded = SharedCaptureDissectionTest.Reencoder.encode(record);
            assertEquals(
                HexFormat.of().formatHex(stream, record.streamOffset(), record.streamOffset() + encoded.length),
                HexFormat.of().formatHex(encoded), record::toString);
        }
    }
}
