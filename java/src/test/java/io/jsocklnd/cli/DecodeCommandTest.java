package io.jsocklnd.cli;

import io.jsocklnd.pcap.SharedCaptures;
import io.jsocklnd.pcap.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.jsocklnd.cli.CaptureFile.CLIENT_NID;
import static io.jsocklnd.cli.CaptureFile.SERVER_NID;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jsocklnd decode} on the shared captures (every frame with payload in some record, every line a JSON object
 * with the keys of its kind, values equal to tshark's where tshark decodes them, the summary's cookie flow) and on
 * captures written here from the wire codecs: a byte-swapped V3 peer with every ACK form, and a V1 stream.
 */
@Timeout(120)
class DecodeCommandTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldPrintOneJsonObjectPerMessageCoveringEveryFrameWithPayload(final String name)
    {
        final Path file = SharedCaptures.path(name);
        final Run run = Run.of("decode", file.toString());
        assertEquals(Jsocklnd.EXIT_OK, run.exitCode(), run::toString);
        assertEquals("", run.err());
        final List<Map<String, Object>> records = run.jsonLines();

        final Map<String, Integer> kinds = new TreeMap<>();
        for (final Map<String, Object> r : records)
        {
            kinds.merge((String)r.get("kind"), 1, Integer::sum);
            assertKeysOfKind(r);
        }
        // ndpi: connreq, active and passive V3 hellos, 13 LNET messages on a stream captured mid-way.
        // synthetic: 2 connreqs, 5 hellos, 4 NOOPs, 6 LNET messages on three streams.
        assertEquals(SharedCaptures.NDPI.equals(name) ?
            Map.of("connreq", 1, "hello", 2, "lnet", 13) : Map.of("connreq", 2, "hello", 5, "lnet", 6, "noop", 4), kinds);

        for (final Tshark.Row row : Tshark.fields(file, List.of("-Y", "tcp.len > 0 && tcp.port == 988"),
            "frame.number", "tcp.stream"))
        {
            final long frame = row.number("frame.number");
            final long stream = row.number("tcp.stream");
            assertTrue(records.stream().anyMatch(r -> num(r.get("stream")) == stream &&
                num(r.get("first_frame")) <= frame && frame <= num(r.get("last_frame"))),
                () -> "frame " + frame + " of stream " + stream + " is in no record");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldPrintTheValuesTsharkDecodesForEveryKsockMessage(final String name)
    {
        final Path file = SharedCaptures.path(name);
        final Run run = Run.of("decode", file.toString());
        assertEquals(Jsocklnd.EXIT_OK, run.exitCode(), run::toString);
        final Map<Long, List<Map<String, Object>>> byFrame = new HashMap<>();
        for (final Map<String, Object> r : run.jsonLines())
        {
            if ("noop".equals(r.get("kind")) || "lnet".equals(r.get("kind")))
            {
                byFrame.computeIfAbsent(num(r.get("last_frame")), k -> new ArrayList<>()).add(r);
            }
        }
        int compared = 0;
        int misSplit = 0;
        for (final Tshark.Row row : Tshark.fields(file, List.of("-Y", "lnet.ksm_type"), "frame.number",
            "lnet.ksm_type", "lnet.ib_csum", "lnet.ksm_zc_req_cookie", "lnet.ksm_zc_ack_cookie", "lnet.msg_type",
            "lnet.payload_length", "lnet.msg_dst_match_bits", "lnet.ptl_index", "lnet.offset"))
        {
            final long frame = row.number("frame.number");
            final List<Map<String, Object>> ours = byFrame.remove(frame);
            assertTrue(ours != null, "tshark decodes a ksock message in frame " + frame + ", we print none");
            final List<String> types = row.all("lnet.ksm_type");
            if (types.size() != ours.size())
            {
                // tshark 4.0 frames every PDU of a segment by its first word: a NOOP followed by an LNET message
                // in one segment is cut into NOOP-sized pieces (PROTOCOL.md Appendix A).
                assertEquals("noop", ours.get(0).get("kind"), "frame " + frame + ": unexplained PDU count");
                assertTrue(types.size() > ours.size(), "frame " + frame);
                misSplit++;
                continue;
            }
            final Map<String, Integer> cursor = new HashMap<>();
            int lnet = 0;
            for (int i = 0; i < ours.size(); i++)
            {
                final Map<String, Object> r = ours.get(i);
                final String where = "frame " + frame + " message " + i;
                assertEquals(Tshark.parseNumber(types.get(i)), num(r.get("ksm_type")), where + " ksm_type");
                assertEquals(Tshark.parseNumber(row.all("lnet.ib_csum").get(i)), num(r.get("csum")), where + " csum");
                assertEquals(Tshark.parseNumber(row.all("lnet.ksm_zc_req_cookie").get(i)), num(r.get("zc_req_cookie")),
                    where + " zc_req_cookie");
                assertEquals(Tshark.parseNumber(row.all("lnet.ksm_zc_ack_cookie").get(i)), num(r.get("zc_ack_cookie")),
                    where + " zc_ack_cookie");
                if ("lnet".equals(r.get("kind")))
                {
                    final String type = (String)r.get("type");
                    assertEquals(List.of("ACK", "PUT", "GET", "REPLY").indexOf(type),
                        (int)Tshark.parseNumber(row.all("lnet.msg_type").get(lnet)), where + " type");
                    assertEquals(Tshark.parseNumber(row.all("lnet.payload_length").get(lnet)),
                        num(r.get("payload_length")), where + " payload_length");
                    if (!"REPLY".equals(type))
                    {
                        assertEquals(next(row, "lnet.msg_dst_match_bits", cursor), num(r.get("match_bits")),
                            where + " match_bits");
                    }
                    if ("PUT".equals(type) || "GET".equals(type))
                    {
                        assertEquals(next(row, "lnet.ptl_index", cursor), num(r.get("portal")), where + " portal");
                    }
                    if ("PUT".equals(type))
                    {
                        assertEquals(next(row, "lnet.offset", cursor), num(r.get("offset")), where + " offset");
                    }
                    lnet++;
                }
                compared++;
            }
            assertEquals(row.all("lnet.msg_type").size(), lnet, "frame " + frame + ": LNet headers");
        }
        assertEquals(Map.of(), byFrame, "ksock messages tshark does not show");
        // The synthetic capture's 10 ksock messages include frame 94's NOOP and PUT, sent in one segment.
        assertEquals(SharedCaptures.NDPI.equals(name) ? 13 : 8, compared);
        assertEquals(SharedCaptures.NDPI.equals(name) ? 0 : 1, misSplit);
    }

    @Test
    void shouldSummariseTheStreamsAndCookieFlowOfTheSyntheticCapture()
    {
        final Run run = Run.of("decode", "--summary", SharedCaptures.synth().toString());
        assertEquals(Jsocklnd.EXIT_OK, run.exitCode(), run::toString);
        final Map<String, List<List<String>>> sections = sections(run.out());

        // Stream 0 is V2 between 192.168.10.1@tcp (127.0.0.1:40000) and 192.168.10.2@tcp; stream 1 V3 with a
        // BULK_OUT/BULK_IN pair; stream 2 a V3 CONTROL connection whose reply hello was not captured.
        final List<List<String>> streams = sections.get("Streams on port 988: 3");
        assertEquals(List.of("0", "c2s", "192.168.10.1@tcp 127.0.0.1:40000", "192.168.10.2@tcp 127.0.0.1:988", "V2",
            "le", "ANY", "264", "connreq 1, hello 1, PUT 1, GET 1"), streams.get(0));
        assertEquals(List.of("0", "s2c", "192.168.10.2@tcp 127.0.0.1:988", "192.168.10.1@tcp 127.0.0.1:40000", "V2",
            "le", "ANY", "70272", "hello 1, noop 1, REPLY 1, ACK 1"), streams.get(1));
        assertEquals(List.of("1", "c2s", "10.1.2.3@tcp7 127.0.0.1:40001", "10.1.2.4@tcp7 127.0.0.1:988", "V3", "le",
            "BULK_OUT", "196", "connreq 1, hello 1, PUT 1, noop 1"), streams.get(2));
        assertEquals(List.of("2", "s2c", "10.1.2.4@tcp7 127.0.0.1:988", "10.1.2.3@tcp7 127.0.0.1:40002", "?", "?", "-",
            "0", "-"), streams.get(5));

        // Frame 10: PUT with ksm_zc_cookies {42, 0}; frame 12: NOOP {0, 42}. Frame 80: PUT {5, 0}; frame 82:
        // NOOP {5, 7}, the range 5..7.
        assertEquals(List.of(
            List.of("192.168.10.1@tcp", "192.168.10.2@tcp", "42", "0/10", "0/12", "noop", "single", "42"),
            List.of("10.1.2.3@tcp7", "10.1.2.4@tcp7", "5", "1/80", "1/82", "noop", "range", "5..7")),
            sections.get("ZC cookie flow: requests answered (2)"));
        assertEquals(List.of(), sections.get("ZC cookie flow: requests never answered (0)"));
        // Frame 14: GET {0, 43} piggybacks an ACK of 43, which nothing requested; cookies 6 and 7 of the range and
        // cookie 9 of frame 94's NOOP {0, 9} were never requested either.
        assertEquals(List.of(
            List.of("192.168.10.1@tcp", "192.168.10.2@tcp", "0/14", "piggyback", "single", "43", "43"),
            List.of("10.1.2.4@tcp7", "10.1.2.3@tcp7", "1/82", "noop", "range", "5..7", "6,7"),
            List.of("10.1.2.3@tcp7", "10.1.2.4@tcp7", "2/94", "noop", "single", "9", "9")),
            sections.get("ZC cookie flow: ACKs matching no request (3)"));
        // Frame 84: NOOP {0, 1} on a V3 connection.
        assertTrue(run.out().contains("Keepalive NOOPs: 10.1.2.3@tcp7 -> 10.1.2.4@tcp7 1\n"), run.out());
    }

    @Test
    void shouldDecodeAByteSwappedPeerAndFollowEveryAckForm() throws IOException
    {
        final CaptureFile capture = new CaptureFile();
        capture.send(true, CaptureFile.connreq(SERVER_NID, LE));
        capture.send(true, CaptureFile.hello(KSOCK_PROTO_V3, BE, CLIENT_NID, SERVER_NID, 0x1122334455667788L,
            SOCKLND_CONN_CONTROL));
        capture.send(false, CaptureFile.hello(KSOCK_PROTO_V3, LE, SERVER_NID, CLIENT_NID, 77, SOCKLND_CONN_CONTROL));
        for (long cookie = 2; cookie <= 8; cookie++)
        {
            capture.send(true, CaptureFile.lnetPut(BE, SERVER_NID, CLIENT_NID, 0x100 + cookie,
                cookie == 4 ? 5000 : 16, cookie, 0));
        }
        final int pair = capture.send(false, CaptureFile.noop(LE, 3, 2));
        final int piggyback = capture.send(false, CaptureFile.lnetAck(LE, CLIENT_NID, SERVER_NID, 0x104, 4));
        final int range = capture.send(false, CaptureFile.noop(LE, 6, 8));
        final int stray = capture.send(false, CaptureFile.noop(LE, 0, 77));
        final int keepalive = capture.send(true, CaptureFile.noop(BE, 0, 1));
        final Path file = capture.write(tmp.resolve("swapped.pcap"));

        final Run run = Run.of("decode", file.toString());
        assertEquals(Jsocklnd.EXIT_OK, run.exitCode(), run::toString);
        final List<Map<String, Object>> records = run.jsonLines();
        records.forEach(DecodeCommandTest::assertKeysOfKind);
        assertEquals(15, records.size(), run.out());
        final Map<String, Object> hello = frame(records, 5);
        assertEquals(fields("kind", "hello", "magic", "0x45726963", "byte_order", "be", "version", 3L,
            "src_nid", CLIENT_NID, "dst_nid", SERVER_NID, "src_pid", 12345L, "dst_pid", 0L,
            "src_incarnation", Long.toUnsignedString(0x1122334455667788L), "dst_incarnation", "0",
            "ctype", (long)SOCKLND_CONN_CONTROL), subset(hello, "kind", "magic", "byte_order", "version", "src_nid",
            "dst_nid", "src_pid", "dst_pid", "src_incarnation", "dst_incarnation", "ctype"));
        final Map<String, Object> put = frame(records, 9);
        assertEquals(fields("kind", "lnet", "dir", "c2s", "version", 3L, "byte_order", "be", "ksm_type", "0xc1",
            "csum", 0L, "zc_req_cookie", "4", "zc_ack_cookie", "0", "dst_nid", SERVER_NID, "src_nid", CLIENT_NID,
            "type", "PUT", "payload_length", 5000L, "match_bits", "0x0000000000000104", "portal", 26L, "offset", 224L),
            subset(put, "kind", "dir", "version", "byte_order", "ksm_type", "csum", "zc_req_cookie", "zc_ack_cookie",
                "dst_nid", "src_nid", "type", "payload_length", "match_bits", "portal", "offset"));
        assertEquals(fields("kind", "noop", "byte_order", "le", "zc_req_cookie", "3", "zc_ack_cookie", "2"),
            subset(frame(records, pair), "kind", "byte_order", "zc_req_cookie", "zc_ack_cookie"));
        assertEquals(fields("kind", "lnet", "type", "ACK", "zc_ack_cookie", "4"),
            subset(frame(records, piggyback), "kind", "type", "zc_ack_cookie"));
        assertEquals(fields("kind", "noop", "byte_order", "be", "zc_req_cookie", "0", "zc_ack_cookie", "1"),
            subset(frame(records, keepalive), "kind", "byte_order", "zc_req_cookie", "zc_ack_cookie"));

        final Run summary = Run.of("decode", "--summary", file.toString());
        assertEquals(Jsocklnd.EXIT_OK, summary.exitCode(), summary::toString);
        final Map<String, List<List<String>>> sections = sections(summary.out());
        assertEquals(List.of(
            List.of("0", "c2s", CLIENT_NID + " 10.0.0.2:1023", SERVER_NID + " 10.0.0.1:988", "V3", "be", "CONTROL",
                Long.toString(16 + 56 + 7 * (24 + 72) + 6 * 16 + 5000 + 24), "connreq 1, hello 1, PUT 7, noop 1"),
            List.of("0", "s2c", SERVER_NID + " 10.0.0.1:988", CLIENT_NID + " 10.0.0.2:1023", "V3", "le", "CONTROL",
                Long.toString(56 + 24 + 24 + 72 + 24 + 24), "hello 1, noop 3, ACK 1")),
            sections.get("Streams on port 988: 1"));
        assertEquals(List.of(
            answered(2, 7, pair, "noop", "pair", "3+2"),
            answered(3, 8, pair, "noop", "pair", "3+2"),
            answered(4, 9, piggyback, "piggyback", "single", "4"),
            answered(6, 11, range, "noop", "range", "6..8"),
            answered(7, 12, range, "noop", "range", "6..8"),
            answered(8, 13, range, "noop", "range", "6..8")),
            sections.get("ZC cookie flow: requests answered (6)"));
        assertEquals(List.of(List.of(CLIENT_NID, SERVER_NID, "5", "0/10")),
            sections.get("ZC cookie flow: requests never answered (1)"));
        assertEquals(List.of(List.of(SERVER_NID, CLIENT_NID, "0/" + stray, "noop", "single", "77", "77")),
            sections.get("ZC cookie flow: ACKs matching no request (1)"));
        assertTrue(summary.out().contains("Keepalive NOOPs: " + CLIENT_NID + " -> " + SERVER_NID + " 1\n"));
    }

    @Test
    void shouldDecodeAV1Stream() throws IOException
    {
        final CaptureFile capture = new CaptureFile();
        capture.send(true, CaptureFile.connreq(SERVER_NID, LE));
        capture.send(true, CaptureFile.hello(KSOCK_PROTO_V1, LE, CLIENT_NID, SERVER_NID, 5, SOCKLND_CONN_ANY));
        capture.send(false, CaptureFile.hello(KSOCK_PROTO_V1, LE, SERVER_NID, CLIENT_NID, 6, SOCKLND_CONN_ANY));
        capture.send(true, CaptureFile.putMessage(SERVER_NID, CLIENT_NID, 0xabc, 100));
        capture.send(false, CaptureFile.ackMessage(CLIENT_NID, SERVER_NID, 0xabc));
        final Path file = capture.write(tmp.resolve("v1.pcap"));

        final Run run = Run.of("decode", file.toString());
        assertEquals(Jsocklnd.EXIT_OK, run.exitCode(), run::toString);
        final List<Map<String, Object>> records = run.jsonLines();
        records.forEach(DecodeCommandTest::assertKeysOfKind);
        assertEquals(List.of("connreq", "hello", "hello", "v1", "v1"), records.stream().map(r -> r.get("kind")).toList());
        assertEquals(fields("magic", "0xeebc0ded", "version", 1L, "src_nid", CLIENT_NID, "type", "HELLO",
            "src_incarnation", "5"), subset(records.get(1), "magic", "version", "src_nid", "type", "src_incarnation"));
        assertFalse(records.get(1).containsKey("dst_nid"), "a V1 hello has no kshm_dst_nid");
        assertEquals(fields("dir", "c2s", "version", 1L, "dst_nid", SERVER_NID, "src_nid", CLIENT_NID, "type", "PUT",
            "payload_length", 100L, "match_bits", "0x0000000000000abc", "portal", 26L, "offset", 224L,
            "stream_length", 172L), subset(records.get(3), "dir", "version", "dst_nid", "src_nid", "type",
            "payload_length", "match_bits", "portal", "offset", "stream_length"));
        assertEquals(fields("dir", "s2c", "type", "ACK", "match_bits", "0x0000000000000abc", "mlength", 4096L),
            subset(records.get(4), "dir", "type", "match_bits", "mlength"));

        final Run summary = Run.of("decode", "--summary", file.toString());
        final List<List<String>> streams = sections(summary.out()).get("Streams on port 988: 1");
        assertEquals("V1", streams.get(0).get(4));
        assertEquals("connreq 1, hello 1, v1 PUT 1", streams.get(0).get(8));
        assertEquals("hello 1, v1 ACK 1", streams.get(1).get(8));
    }

    @Test
    void shouldExitWithTwoOnUsageErrorsAndOneOnUnreadableCaptures() throws IOException
    {
        assertEquals(Jsocklnd.EXIT_USAGE, Run.of("decode").exitCode());
        assertEquals(Jsocklnd.EXIT_USAGE, Run.of("decode", "--port", "70000", "x.pcap").exitCode());
        assertEquals(Jsocklnd.EXIT_USAGE, Run.of("decode", "--port", "abc", "x.pcap").exitCode());
        assertEquals(Jsocklnd.EXIT_USAGE, Run.of().exitCode());
        assertEquals(Jsocklnd.EXIT_USAGE, Run.of("nosuchcommand").exitCode());

        final Run missing = Run.of("decode", tmp.resolve("none.pcap").toString());
        assertEquals(Jsocklnd.EXIT_FAILURE, missing.exitCode());
        assertTrue(missing.err().contains("no such capture file"), missing::toString);

        final Path text = Files.writeString(tmp.resolve("text.pcap"), "this is not a capture file at all\n");
        final Run garbage = Run.of("decode", text.toString());
        assertEquals(Jsocklnd.EXIT_FAILURE, garbage.exitCode());
        assertTrue(garbage.err().contains("not a readable pcap/pcapng capture"), garbage::toString);

        final Run otherPort = Run.of("decode", "--port", "989", SharedCaptures.ndpi().toString());
        assertEquals(Jsocklnd.EXIT_OK, otherPort.exitCode());
        assertEquals("", otherPort.out());
        assertTrue(otherPort.err().contains("no TCP conversation on port 989"), otherPort::toString);
    }

    @Test
    void shouldPrintHelpAndTheProjectVersion()
    {
        final Run help = Run.of("--help");
        assertEquals(Jsocklnd.EXIT_OK, help.exitCode());
        assertTrue(help.out().contains("decode") && help.out().contains("stats"), help.out());
        final Run version = Run.of("--version");
        assertEquals(Jsocklnd.EXIT_OK, version.exitCode());
        assertTrue(version.out().matches("jsocklnd \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n"), version.out());
    }

    private static List<String> answered(
        final long cookie, final int requestFrame, final int ackFrame, final String carrier, final String form,
        final String cookies)
    {
        return List.of(CLIENT_NID, SERVER_NID, Long.toString(cookie), "0/" + requestFrame, "0/" + ackFrame, carrier,
            form, cookies);
    }

    /**
     * Splits the summary into sections (a title line, then table rows until a blank line), each row cut into cells
     * on runs of two or more spaces; the header row is left out.
     */
    private static Map<String, List<List<String>>> sections(final String text)
    {
        final Map<String, List<List<String>>> sections = new LinkedHashMap<>();
        List<List<String>> current = null;
        boolean header = false;
        for (final String line : text.split("\n", -1))
        {
            if (line.isEmpty())
            {
                current = null;
                continue;
            }
            if (current == null)
            {
                current = new ArrayList<>();
                sections.put(line, current);
                header = true;
                continue;
            }
            if (header)
            {
                header = false;
                continue;
            }
            current.add(List.of(line.split(" {2,}")));
        }
        return sections;
    }

    private static Map<String, Object> frame(final List<Map<String, Object>> records, final int frame)
    {
        return records.stream().filter(r -> num(r.get("last_frame")) == frame).findFirst()
            .orElseThrow(() -> new AssertionError("no record in frame " + frame));
    }

    private static Map<String, Object> subset(final Map<String, Object> record, final String... keys)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final String key : keys)
        {
            out.put(key, record.get(key));
        }
        return out;
    }

    private static Map<String, Object> fields(final Object... pairs)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2)
        {
            out.put((String)pairs[i], pairs[i + 1]);
        }
        return out;
    }

    private static void assertKeysOfKind(final Map<String, Object> r)
    {
        final List<String> keys = new ArrayList<>(List.of("stream", "dir", "first_frame", "last_frame", "stream_offset",
            "stream_length", "kind"));
        final String kind = (String)r.get("kind");
        switch (kind)
        {
            case "connreq":
                keys.addAll(List.of("magic", "byte_order", "version", "nid"));
                break;
            case "hello":
                keys.addAll(List.of("magic", "byte_order", "version", "src_nid", "src_pid", "dst_pid",
                    "src_incarnation", "ctype", "nips", "ips"));
                if (num(r.get("version")) != KSOCK_PROTO_V1)
                {
                    keys.addAll(List.of("dst_nid", "dst_incarnation"));
                }
                break;
            case "noop":
                keys.addAll(List.of("byte_order", "ksm_type", "csum", "zc_req_cookie", "zc_ack_cookie"));
                break;
            case "lnet":
            case "v1":
                if ("lnet".equals(kind))
                {
                    keys.addAll(List.of("byte_order", "ksm_type", "csum", "zc_req_cookie", "zc_ack_cookie"));
                }
                keys.addAll(List.of("dst_nid", "src_nid", "dst_pid", "src_pid", "type", "payload_length"));
                final String type = (String)r.get("type");
                if (Set.of("ACK", "PUT", "GET").contains(type))
                {
                    keys.add("match_bits");
                }
                if (Set.of("PUT", "GET").contains(type))
                {
                    keys.add("portal");
                }
                if ("PUT".equals(type))
                {
                    keys.add("offset");
                }
                break;
            default:
                throw new AssertionError("unexpected kind in " + r);
        }
        for (final String key : keys)
        {
            assertTrue(r.containsKey(key), () -> "missing " + key + " in " + r);
        }
    }

    private static long next(final Tshark.Row row, final String field, final Map<String, Integer> cursor)
    {
        final int index = cursor.merge(field, 1, Integer::sum) - 1;
        return Tshark.parseNumber(row.all(field).get(index));
    }

    /** A JSON number, or a 64-bit value written as a decimal or {@code 0x} string. */
    static long num(final Object value)
    {
        if (value instanceof Long)
        {
            return (Long)value;
        }
        return Tshark.parseNumber((String)value);
    }
}
