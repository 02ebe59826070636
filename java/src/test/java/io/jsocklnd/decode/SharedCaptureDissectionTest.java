package io.jsocklnd.decode;

import io.jsocklnd.pcap.CaptureReader;
import io.jsocklnd.pcap.SharedCaptures;
import io.jsocklnd.pcap.TcpConversation;
import io.jsocklnd.pcap.TcpDirection;
import io.jsocklnd.pcap.Tshark;
import io.jsocklnd.wire.AcceptorRequestFlyweight;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LargeNid;
import io.jsocklnd.wire.LnetHeader;
import io.jsocklnd.wire.LnetHeader16Flyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dissector on the two shared captures: every payload byte of every direction lies in exactly one record,
 * the records are the ones a reading of the captures finds, the ndpi connreq and hellos carry the values read
 * from their bytes by hand, and re-encoding every structure from the record's fields with the wire codecs gives
 * the captured bytes back.
 */
@Timeout(120)
class SharedCaptureDissectionTest
{
    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldDecodeEveryPayloadByteOfEveryDirection(final String name) throws IOException
    {
        final Path file = SharedCaptures.path(name);
        final List<TcpConversation> conversations = CaptureReader.read(file).conversations();
        final List<DecodedRecord> records = StreamDissector.dissect(conversations);

        final Set<Integer> framesWithPayload = new TreeSet<>();
        for (final TcpConversation conversation : conversations)
        {
            for (final StreamDirection sense : StreamDirection.values())
            {
                final TcpDirection direction = sense == StreamDirection.C2S ?
                    conversation.clientToServer() : conversation.serverToClient();
                final List<DecodedRecord> mine = new ArrayList<>();
                for (final DecodedRecord record : records)
                {
                    if (record.stream() == conversation.streamIndex() && record.direction() == sense)
                    {
                        mine.add(record);
                    }
                }
                mine.sort((a, b) -> Integer.compare(a.streamOffset(), b.streamOffset()));
                int at = 0;
                for (final DecodedRecord record : mine)
                {
                    assertEquals(at, record.streamOffset(), () -> "hole or overlap before " + record);
                    assertTrue(record.streamLength() > 0, record::toString);
                    assertTrue(record.kind() != RecordKind.ERROR && record.kind() != RecordKind.GAP &&
                        record.kind() != RecordKind.SKIPPED, record::toString);
                    at += record.streamLength();
                }
                assertEquals(direction.length(), at, conversation + " " + sense);
                for (final TcpDirection.Segment segment : direction.segments())
                {
                    framesWithPayload.add(segment.frameNumber());
                    assertTrue(mine.stream().anyMatch(r -> r.streamOffset() < segment.end() &&
                        r.streamOffset() + r.streamLength() > segment.offset()), "frame " + segment.frameNumber());
                }
            }
        }

        final Set<Integer> tsharkFramesWithPayload = new TreeSet<>();
        for (final Tshark.Row row : Tshark.fields(file, List.of("-Y", "tcp.len > 0"), "frame.number"))
        {
            tsharkFramesWithPayload.add((int)row.number("frame.number"));
        }
        assertEquals(tsharkFramesWithPayload, framesWithPayload);
    }

    @Test
    void shouldFindTheRecordsOfTheNdpiCapture() throws IOException
    {
        final List<DecodedRecord> records = StreamDissector.dissect(CaptureReader.read(SharedCaptures.ndpi()));

        // Stream 0: connreq (frame 4), V3 hello (6), V3 reply (8). Stream 1, captured without its handshake but
        // starting on a message boundary (first bytes c1 00 00 00): 8 LNET messages from .118, 5 from .119.
        assertEquals(Map.of(RecordKind.CONNREQ, 1, RecordKind.HELLO, 2, RecordKind.LNET, 13), countByKind(records));
        assertEquals(List.of(4, 6, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22), lastFrames(records));
        assertEquals(List.of("PUT", "ACK", "PUT", "PUT", "PUT", "PUT", "PUT", "PUT", "PUT", "PUT", "PUT", "PUT", "PUT"),
            records.stream().filter(r -> r.kind() == RecordKind.LNET).map(r -> r.text("type")).toList());
    }

    @Test
    void shouldFindTheRecordsOfTheSyntheticCapture() throws IOException
    {
        final List<DecodedRecord> records = StreamDissector.dissect(CaptureReader.read(SharedCaptures.synth()));

        // Stream 0 (V2): connreq, hello, reply, PUT, NOOP, GET, REPLY of 70000 bytes in frames 16..64, ACK.
        // Stream 1 (V3): connreq, hello with one IP, reply, PUT, NOOP range ACK, keepalive NOOP.
        // Stream 2 (V3): hello without connreq, then a NOOP and a PUT in one segment (frame 94).
        assertEquals(Map.of(RecordKind.CONNREQ, 2, RecordKind.HELLO, 5, RecordKind.NOOP, 4, RecordKind.LNET, 6),
            countByKind(records));
        assertEquals(List.of(4, 6, 8, 10, 12, 14, 64, 66, 74, 76, 78, 80, 82, 84, 92, 94, 94), lastFrames(records));
        final DecodedRecord reply = records.get(6);
        assertEquals("REPLY", reply.text("type"));
        assertEquals(16, reply.firstFrame());
        assertEquals(70_000 + 96, reply.streamLength());
        assertEquals(2, reply.number("version"));
    }

    @Test
    void shouldReadTheNdpiConnreqAndHellosAsTheBytesSay() throws IOException
    {
        final List<DecodedRecord> records = StreamDissector.dissect(CaptureReader.read(SharedCaptures.ndpi()));

        // Frame 4, 192.168.88.132:1022 -> .131:988, 16 bytes:
        //   00 71 ce ac | 01 00 00 00 | 83 58 a8 c0 00 00 02 00
        //   acr_magic 0xacce7100 read little-endian; acr_version 1;
        //   acr_nid LE = 0x00020000c0a85883: net 0x00020000 (lnd 2 = tcp, number 0), addr c0.a8.58.83.
        final DecodedRecord connreq = records.get(0);
        assertPlace(connreq, RecordKind.CONNREQ, 0, StreamDirection.C2S, 4, 0, 16);
        assertEquals("0xacce7100", connreq.text("magic"));
        assertEquals("le", connreq.text("byte_order"));
        assertEquals(1, connreq.number("version"));
        assertEquals("192.168.88.131@tcp", connreq.text("nid"));

        // Frame 6, the active side's hello, 56 bytes:
        //   63 69 72 45 | 03 00 00 00 | 84 58 a8 c0 00 00 02 00 | 83 58 a8 c0 00 00 02 00 | 39 30 00 00 |
        //   00 00 00 00 | f0 ee 59 a0 08 82 f0 17 | 00 x 8 | 02 00 00 00 | 00 00 00 00
        //   magic 0x45726963 LE; version 3; src .132@tcp; dst .131@tcp; src_pid 0x3039 = 12345; dst_pid 0;
        //   src_incarnation 0x17f08208a059eef0; dst_incarnation 0; ctype 2 (BULK_IN); nips 0.
        final DecodedRecord active = records.get(1);
        assertPlace(active, RecordKind.HELLO, 0, StreamDirection.C2S, 6, 16, 56);
        assertEquals("0x45726963", active.text("magic"));
        assertEquals("le", active.text("byte_order"));
        assertEquals(3, active.number("version"));
        assertEquals("192.168.88.132@tcp", active.text("src_nid"));
        assertEquals("192.168.88.131@tcp", active.text("dst_nid"));
        assertEquals(12345, active.number("src_pid"));
        assertEquals(0, active.number("dst_pid"));
        assertEquals(0x17f08208a059eef0L, active.number("src_incarnation"));
        assertEquals(0, active.number("dst_incarnation"));
        assertEquals(2, active.number("ctype"));
        assertEquals(0, active.number("nips"));
        assertEquals(List.of(), active.list("ips"));

        // Frame 8, the passive side's reply, 56 bytes:
        //   63 69 72 45 | 03 00 00 00 | 83 58 a8 c0 00 00 02 00 | 84 58 a8 c0 00 00 02 00 | 39 30 00 00 |
        //   00 00 00 00 | 22 b1 8f 96 0b 82 f0 17 | 00 x 8 | 03 00 00 00 | 00 00 00 00
        //   version 3; src .131@tcp; dst .132@tcp; src_pid 12345; dst_pid 0 (the active side sent 0);
        //   src_incarnation 0x17f0820b968fb122; dst_incarnation 0; ctype 3 (BULK_OUT, inverse of BULK_IN); nips 0.
        final DecodedRecord passive = records.get(2);
        assertPlace(passive, RecordKind.HELLO, 0, StreamDirection.S2C, 8, 0, 56);
        assertEquals("0x45726963", passive.text("magic"));
        assertEquals("le", passive.text("byte_order"));
        assertEquals(3, passive.number("version"));
        assertEquals("192.168.88.131@tcp", passive.text("src_nid"));
        assertEquals("192.168.88.132@tcp", passive.text("dst_nid"));
        assertEquals(12345, passive.number("src_pid"));
        assertEquals(0, passive.number("dst_pid"));
        assertEquals(0x17f0820b968fb122L, passive.number("src_incarnation"));
        assertEquals(0, passive.number("dst_incarnation"));
        assertEquals(3, passive.number("ctype"));
        assertEquals(0, passive.number("nips"));
        assertEquals(List.of(), passive.list("ips"));
    }

    @Test
    void shouldRenderTheNdpiConnreqAsOneJsonLine() throws IOException
    {
        final DecodedRecord connreq = StreamDissector.dissect(CaptureReader.read(SharedCaptures.ndpi())).get(0);

        assertEquals("{\"stream\":0,\"dir\":\"c2s\",\"first_frame\":4,\"last_frame\":4,\"stream_offset\":0," +
            "\"stream_length\":16,\"kind\":\"connreq\",\"magic\":\"0xacce7100\",\"byte_order\":\"le\",\"version\":1," +
            "\"nid\":\"192.168.88.131@tcp\"}", connreq.toJson());
    }

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldReencodeEveryStructureByteForByte(final String name) throws IOException
    {
        final List<TcpConversation> conversations = CaptureReader.read(SharedCaptures.path(name)).conversations();
        int checked = 0;
        for (final DecodedRecord record : StreamDissector.dissect(conversations))
        {
            final TcpConversation conversation = conversations.get(record.stream());
            final byte[] stream = (record.direction() == StreamDirection.C2S ?
                conversation.clientToServer() : conversation.serverToClient()).bytes();
            final byte[] encoded = Reencoder.encode(record);
            final byte[] captured = Arrays.copyOfRange(stream, record.streamOffset(), record.streamOffset() + encoded.length);
            assertEquals(HexFormat.of().formatHex(captured), HexFormat.of().formatHex(encoded), record::toString);
            checked++;
        }
        assertEquals(StreamDissector.dissect(conversations).size(), checked);
    }

    private static void assertPlace(
        final DecodedRecord record, final RecordKind kind, final int stream, final StreamDirection direction,
        final int frame, final int offset, final int length)
    {
        assertEquals(kind, record.kind());
        assertEquals(stream, record.stream());
        assertEquals(direction, record.direction());
        assertEquals(frame, record.firstFrame());
        assertEquals(frame, record.lastFrame());
        assertEquals(offset, record.streamOffset());
        assertEquals(length, record.streamLength());
    }

    private static Map<RecordKind, Integer> countByKind(final List<DecodedRecord> records)
    {
        final Map<RecordKind, Integer> counts = new EnumMap<>(RecordKind.class);
        for (final DecodedRecord record : records)
        {
            counts.merge(record.kind(), 1, Integer::sum);
        }
        return counts;
    }

    private static List<Integer> lastFrames(final List<DecodedRecord> records)
    {
        return records.stream().map(DecodedRecord::lastFrame).toList();
    }

    /**
     * Encodes a record's structures again with the wire codecs, from the record's fields only: connreq, hello,
     * ksock header, LNet header (payload bytes are not part of any structure and are not re-encoded).
     */
    static final class Reencoder
    {
        private Reencoder()
        {
        }

        static byte[] encode(final DecodedRecord r)
        {
            final UnsafeBuffer out = new UnsafeBuffer(new byte[256]);
            final ByteOrder order = r.has("byte_order") && "be".equals(r.text("byte_order")) ?
                ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            final int length;
            switch (r.kind())
            {
                case CONNREQ:
                    length = r.number("version") == LNET_PROTO_ACCEPTOR_VERSION ?
                        AcceptorRequestFlyweight.encodeV1(out, 0, Nid.parse(r.text("nid")), order) :
                        AcceptorRequestFlyweight.encodeV2(out, 0, LargeNid.parse(r.text("nid")), order);
                    break;

                case HELLO:
                    length = hello(r, out, order);
                    break;

                case NOOP:
                    length = ksock(r, out, order);
                    break;

                case LNET:
                {
                    final int ksock = ksock(r, out, order);
                    length = ksock + lnet(r, out, ksock, r.has("version") && r.number("version") == KSOCK_PROTO_V4);
                    break;
                }

                case V1:
                    length = lnet(r, out, 0, false);
                    break;

                default:
                    throw new AssertionError("nothing to re-encode in " + r);
            }
            final byte[] bytes = new byte[length];
            out.getBytes(0, bytes);
            return bytes;
        }

        private static int hello(final DecodedRecord r, final UnsafeBuffer out, final ByteOrder order)
        {
            final int version = (int)r.number("version");
            final HelloFlyweight hello = new HelloFlyweight().wrapForEncode(out, 0, out.capacity(), version, order)
                .srcPid((int)r.number("src_pid"))
                .dstPid((int)r.number("dst_pid"))
                .srcIncarnation(r.number("src_incarnation"))
                .ctype((int)r.number("ctype"));
            if (version == KSOCK_PROTO_V4)
            {
                hello.srcNid(LargeNid.parse(r.text("src_nid"))).dstNid(LargeNid.parse(r.text("dst_nid")));
            }
            else
            {
                hello.srcNid(Nid.parse(r.text("src_nid")));
            }
            if (version != KSOCK_PROTO_V1)
            {
                if (version != KSOCK_PROTO_V4)
                {
                    hello.dstNid(Nid.parse(r.text("dst_nid")));
                }
                hello.dstIncarnation(r.number("dst_incarnation"));
            }
            final List<String> ips = r.list("ips");
            hello.nips((int)r.number("nips"));
            for (int i = 0; i < ips.size(); i++)
            {
                hello.ip(i, ipv4(ips.get(i)));
            }
            return hello.length();
        }

        private static int ksock(final DecodedRecord r, final UnsafeBuffer out, final ByteOrder order)
        {
            return KsockMsgFlyweight.encode(out, 0, order, Integer.decode(r.text("ksm_type")), (int)r.number("csum"),
                r.number("zc_req_cookie"), r.number("zc_ack_cookie"));
        }

        private static int lnet(final DecodedRecord r, final UnsafeBuffer out, final int at, final boolean nid16)
        {
            final int type = lnetType(r.text("type"));
            final LnetHeader<?> header;
            if (nid16)
            {
                header = new LnetHeader16Flyweight().wrapForEncode(out, at, LnetHeader16Flyweight.LENGTH, type)
                    .destNid(LargeNid.parse(r.text("dst_nid"))).srcNid(LargeNid.parse(r.text("src_nid")));
            }
            else
            {
                header = new LnetHeaderFlyweight().wrapForEncode(out, at, LnetHeaderFlyweight.LENGTH, type)
                    .destNid(Nid.parse(r.text("dst_nid"))).srcNid(Nid.parse(r.text("src_nid")));
            }
            header.destPid((int)r.number("dst_pid"));
            header.srcPid((int)r.number("src_pid"));
            header.payloadLength((int)r.number("payload_length"));
            header.wmdInterfaceCookie(r.number("interface_cookie"));
            header.wmdObjectCookie(r.number("object_cookie"));
            switch (type)
            {
                case LNET_MSG_ACK:
                    header.matchBits(r.number("match_bits"));
                    header.ackMlength((int)r.number("mlength"));
                    break;
                case LNET_MSG_PUT:
                    header.matchBits(r.number("match_bits"));
                    header.putHdrData(r.number("hdr_data"));
                    header.putPtlIndex((int)r.number("portal"));
                    header.putOffset((int)r.number("offset"));
                    break;
                case LNET_MSG_GET:
                    header.matchBits(r.number("match_bits"));
                    header.getPtlIndex((int)r.number("portal"));
                    header.getSrcOffset((int)r.number("src_offset"));
                    header.getSinkLength((int)r.number("sink_length"));
                    break;
                default:
                    break;
            }
            return header.length();
        }

        private static int lnetType(final String name)
        {
            switch (name)
            {
                case "ACK":
                    return LNET_MSG_ACK;
                case "PUT":
                    return LNET_MSG_PUT;
                case "GET":
                    return LNET_MSG_GET;
                case "REPLY":
                    return LNET_MSG_REPLY;
                default:
                    throw new AssertionError("unexpected lnet type " + name);
            }
        }

        private static int ipv4(final String text)
        {
            final String[] parts = text.split("\\.");
            int ip = 0;
            for (final String part : parts)
            {
                ip = (ip << 8) | Integer.parseInt(part);
            }
            return ip;
        }
    }
}
