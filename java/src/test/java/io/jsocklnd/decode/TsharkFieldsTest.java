package io.jsocklnd.decode;

import io.jsocklnd.pcap.Capture;
import io.jsocklnd.pcap.CaptureReader;
import io.jsocklnd.pcap.SharedCaptures;
import io.jsocklnd.pcap.TcpConversation;
import io.jsocklnd.pcap.TcpDirection;
import io.jsocklnd.pcap.Tshark;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every socklnd PDU tshark decodes in the two shared captures carries the same values in our records: ksock
 * header (type, checksum, both ZC cookies), LNet header (type, payload length, both NIDs, both PIDs, the wire
 * handle) and the type-specific union fields. Each known tshark 4.0 quirk (PROTOCOL.md Appendix A) is handled
 * where it applies and nowhere else.
 */
@Timeout(120)
class TsharkFieldsTest
{
    private static final String[] FIELDS = {
        "frame.number", "lnet.ksm_type", "lnet.ksm_csum", "lnet.ib_csum", "lnet.ksm_zc_req_cookie",
        "lnet.ksm_zc_ack_cookie", "lnet.msg_type", "lnet.payload_length", "lnet.nid.addr", "lnet.nid.type",
        "lnet.nid.net_interface", "lnet.dest_pid", "lnet.src_pid", "lnet.msg_dst_interface_cookie",
        "lnet.msg_dst_object_cookie", "lnet.msg_dst_match_bits", "lnet.msg_length", "lnet.msg_hdr_data",
        "lnet.ptl_index", "lnet.offset", "lnet.src_offset", "lnet.sink_length"};

    /** A PDU as tshark should show it: our record, or a 24-byte slice of a mis-split segment. */
    private record Expected(DecodedRecord record, int ksmType, long csum, long reqCookie, long ackCookie)
    {
        boolean isLnet()
        {
            return record != null && record.kind() == RecordKind.LNET;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldCarryTheValuesTsharkDecodesForEverySocklndPdu(final String name) throws IOException
    {
        final Path file = SharedCaptures.path(name);
        final Capture capture = CaptureReader.read(file);
        final List<TcpConversation> conversations = capture.conversations();
        final List<DecodedRecord> records = StreamDissector.dissect(conversations);
        final Map<Integer, List<DecodedRecord>> byFrame = new HashMap<>();
        for (final DecodedRecord record : records)
        {
            assertTrue(record.kind() != RecordKind.V1, "tshark does not decode V1 messages; none expected here");
            if (record.kind() == RecordKind.NOOP || record.kind() == RecordKind.LNET)
            {
                byFrame.computeIfAbsent(record.lastFrame(), k -> new ArrayList<>()).add(record);
            }
        }

        // A NOOP has no "lnet" protocol item in tshark 4.0, only lnet.ksm_type: filter on that field, not on "lnet".
        final List<Tshark.Row> rows = Tshark.fields(file, List.of("-Y", "lnet.ksm_type"), FIELDS);

        final Set<Integer> tsharkFrames = new TreeSet<>();
        int pdus = 0;
        int ours = 0;
        for (final Tshark.Row row : rows)
        {
            final int frame = (int)row.number("frame.number");
            tsharkFrames.add(frame);
            final List<DecodedRecord> inFrame = byFrame.getOrDefault(frame, List.of());
            assertFalse(inFrame.isEmpty(), "tshark shows a socklnd PDU in frame " + frame + " but we have none");
            final List<Expected> expected = expectedPdus(conversations, frame, inFrame);
            compareFrame(frame, row, expected);
            pdus += expected.size();
            ours += inFrame.size();
        }
        assertEquals(byFrame.keySet(), tsharkFrames, "frames holding NOOP/LNET records vs frames tshark decodes");
        assertEquals(byFrame.values().stream().mapToInt(List::size).sum(), ours);
        assertTrue(pdus >= ours);
    }

    /**
     * Builds what tshark should show for one frame. tshark 4.0 takes the framing of every PDU in a TCP segment
     * from the first word of the segment, so a segment that starts with a NOOP and also holds an LNET message is
     * cut into 24-byte NOOP-sized PDUs. Only that case is re-split here; any other segment holding messages of
     * two kinds fails the test as a quirk case not understood.
     */
    private static List<Expected> expectedPdus(
        final List<TcpConversation> conversations, final int frame, final List<DecodedRecord> inFrame)
    {
        final DecodedRecord first = inFrame.get(0);
        final TcpConversation conversation = conversations.get(first.stream());
        final TcpDirection direction = first.direction() == StreamDirection.C2S ?
            conversation.clientToServer() : conversation.serverToClient();
        TcpDirection.Segment segment = null;
        for (final TcpDirection.Segment s : direction.segments())
        {
            if (s.frameNumber() == frame)
            {
                segment = s;
            }
        }
        final boolean mixedKinds = inFrame.stream().map(DecodedRecord::kind).distinct().count() > 1;
        if (!mixedKinds)
        {
            final List<Expected> expected = new ArrayList<>();
            for (final DecodedRecord record : inFrame)
            {
                expected.add(new Expected(record, Integer.decode(record.text("ksm_type")), record.number("csum"),
                    record.number("zc_req_cookie"), record.number("zc_ack_cookie")));
            }
            return expected;
        }
        // Quirk: NOOP and LNET in one segment are mis-split (PROTOCOL.md Appendix A).
        if (segment == null || segment.offset() != first.streamOffset() || first.kind() != RecordKind.NOOP ||
            segment.payloadLength() % 24 != 0)
        {
            fail("frame " + frame + " holds messages of several kinds in a way the NOOP mis-split quirk does not explain");
        }
        final byte[] bytes = direction.bytes();
        final ByteOrder order = "le".equals(first.text("byte_order")) ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        final List<Expected> expected = new ArrayList<>();
        for (int at = segment.offset(); at < segment.end(); at += 24)
        {
            final ByteBuffer slice = ByteBuffer.wrap(bytes, at, 24).slice().order(order);
            expected.add(new Expected(null, slice.getInt(0), slice.getInt(4) & 0xFFFF_FFFFL, slice.getLong(8),
                slice.getLong(16)));
        }
        assertEquals(KSOCK_MSG_NOOP, expected.get(0).ksmType());
        return expected;
    }

    private static void compareFrame(final int frame, final Tshark.Row row, final List<Expected> expected)
    {
        final String where = "frame " + frame;
        final List<String> types = row.all("lnet.ksm_type");
        assertEquals(expected.size(), types.size(), where + ": socklnd PDUs");
        // Quirk: the socklnd checksum is shown as lnet.ib_csum; lnet.ksm_csum stays empty.
        assertTrue(row.all("lnet.ksm_csum").isEmpty(), where + ": lnet.ksm_csum unexpectedly present");
        final List<String> csums = row.all("lnet.ib_csum");
        final List<String> reqCookies = row.all("lnet.ksm_zc_req_cookie");
        final List<String> ackCookies = row.all("lnet.ksm_zc_ack_cookie");
        final List<Expected> lnet = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++)
        {
            final Expected e = expected.get(i);
            final String pdu = where + " pdu " + i;
            assertEquals(e.ksmType(), (int)Tshark.parseNumber(types.get(i)), pdu + ": ksm_type");
            assertEquals(e.csum(), Tshark.parseNumber(csums.get(i)), pdu + ": csum");
            assertEquals(e.reqCookie(), Tshark.parseNumber(reqCookies.get(i)), pdu + ": zc_req_cookie");
            assertEquals(e.ackCookie(), Tshark.parseNumber(ackCookies.get(i)), pdu + ": zc_ack_cookie");
            if (e.isLnet())
            {
                lnet.add(e);
            }
        }
        compareLnetHeaders(where, row, lnet);
    }

    private static void compareLnetHeaders(final String where, final Tshark.Row row, final List<Expected> lnet)
    {
        final List<String> msgTypes = row.all("lnet.msg_type");
        assertEquals(lnet.size(), msgTypes.size(), where + ": LNet headers");
        assertEquals(2 * lnet.size(), row.all("lnet.nid.addr").size(), where + ": NIDs");
        final Map<String, Integer> cursor = new HashMap<>();
        for (int j = 0; j < lnet.size(); j++)
        {
            final DecodedRecord r = lnet.get(j).record();
            final String pdu = where + " lnet " + j;
            final int type = (int)Tshark.parseNumber(msgTypes.get(j));
            assertEquals(r.text("type"), StreamDissector.typeName(type), pdu + ": type");
            assertEquals(r.number("payload_length"), Tshark.parseNumber(row.all("lnet.payload_length").get(j)),
                pdu + ": payload_length");
            assertEquals(r.text("dst_nid"), tsharkNid(row, 2 * j), pdu + ": dst_nid");
            assertEquals(r.text("src_nid"), tsharkNid(row, 2 * j + 1), pdu + ": src_nid");
            // Quirk: tshark labels the two pids the other way round; lnet.src_pid holds the wire dest_pid.
            assertEquals(r.number("dst_pid"), Tshark.parseNumber(row.all("lnet.src_pid").get(j)), pdu + ": dst_pid");
            assertEquals(r.number("src_pid"), Tshark.parseNumber(row.all("lnet.dest_pid").get(j)), pdu + ": src_pid");
            final long interfaceCookie = Tshark.parseNumber(row.all("lnet.msg_dst_interface_cookie").get(j));
            final long objectCookie = Tshark.parseNumber(row.all("lnet.msg_dst_object_cookie").get(j));
            if (type == LNET_MSG_ACK)
            {
                // Quirk: tshark decodes the two handle cookies of an LNet ACK big-endian.
                assertEquals(r.number("interface_cookie"), Long.reverseBytes(interfaceCookie), pdu + ": interface_cookie");
                assertEquals(r.number("object_cookie"), Long.reverseBytes(objectCookie), pdu + ": object_cookie");
            }
            else
            {
                assertEquals(r.number("interface_cookie"), interfaceCookie, pdu + ": interface_cookie");
                assertEquals(r.number("object_cookie"), objectCookie, pdu + ": object_cookie");
            }
            if (type == LNET_MSG_ACK || type == LNET_MSG_PUT || type == LNET_MSG_GET)
            {
                assertEquals(r.number("match_bits"), next(row, "lnet.msg_dst_match_bits", cursor), pdu + ": match_bits");
            }
            if (type == LNET_MSG_ACK)
            {
                assertEquals(r.number("mlength"), next(row, "lnet.msg_length", cursor), pdu + ": mlength");
            }
            if (type == LNET_MSG_PUT)
            {
                assertEquals(r.number("hdr_data"), next(row, "lnet.msg_hdr_data", cursor), pdu + ": hdr_data");
                assertEquals(r.number("portal"), next(row, "lnet.ptl_index", cursor), pdu + ": portal");
                assertEquals(r.number("offset"), next(row, "lnet.offset", cursor), pdu + ": offset");
            }
            if (type == LNET_MSG_GET)
            {
                assertEquals(r.number("portal"), next(row, "lnet.ptl_index", cursor), pdu + ": portal");
                assertEquals(r.number("src_offset"), next(row, "lnet.src_offset", cursor), pdu + ": src_offset");
                assertEquals(r.number("sink_length"), next(row, "lnet.sink_length", cursor), pdu + ": sink_length");
            }
        }
        for (final String field : List.of("lnet.msg_dst_match_bits", "lnet.msg_length", "lnet.msg_hdr_data",
            "lnet.ptl_index", "lnet.offset", "lnet.src_offset", "lnet.sink_length"))
        {
            assertEquals(row.all(field).size(), (int)cursor.getOrDefault(field, 0), where + ": values of " + field);
        }
    }

    private static long next(final Tshark.Row row, final String field, final Map<String, Integer> cursor)
    {
        final int index = cursor.merge(field, 1, Integer::sum) - 1;
        final List<String> values = row.all(field);
        assertTrue(index < values.size(), () -> "tshark has too few values of " + field + ": " + values);
        return Tshark.parseNumber(values.get(index));
    }

    /** NID text from tshark's address, network type and network number, as libcfs_nid2str prints it. */
    private static String tsharkNid(final Tshark.Row row, final int index)
    {
        final String addr = row.all("lnet.nid.addr").get(index);
        final long type = Tshark.parseNumber(row.all("lnet.nid.type").get(index));
        final long num = Tshark.parseNumber(row.all("lnet.nid.net_interface").get(index));
        assertEquals(2, type, "only tcp NIDs are expected in these captures");
        return addr + "@tcp" + (num == 0 ? "" : Long.toString(num));
    }
}
