package io.jsocklnd.decode;

import io.jsocklnd.pcap.TcpConversation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.jsocklnd.decode.Conversations.assertTiled;
import static io.jsocklnd.decode.WireBytes.CLIENT_NID;
import static io.jsocklnd.decode.WireBytes.SERVER_NID;
import static io.jsocklnd.decode.WireBytes.ack;
import static io.jsocklnd.decode.WireBytes.concat;
import static io.jsocklnd.decode.WireBytes.connreq;
import static io.jsocklnd.decode.WireBytes.hello;
import static io.jsocklnd.decode.WireBytes.noop;
import static io.jsocklnd.decode.WireBytes.put;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed input gives one {@code error} record naming the field and value the wire codec rejected, covering the
 * rest of that direction, which is not decoded further; the other direction carries on.
 */
@Timeout(10)
class DissectorErrorTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final byte[] CONNREQ = connreq(SERVER_NID, LE);
    private static final byte[] HELLO = hello(3, LE, CLIENT_NID, SERVER_NID, 1, SOCKLND_CONN_CONTROL);
    private static final byte[] REPLY = concat(hello(3, LE, SERVER_NID, CLIENT_NID, 2, SOCKLND_CONN_CONTROL),
        noop(LE, 0, 1));

    @Test
    void shouldReportTruncatedHello()
    {
        final byte[] c2s = concat(CONNREQ, Arrays.copyOf(HELLO, 30));

        final DecodedRecord error = lastOf(c2s, REPLY, 2);

        assertError(error, 16, 30, "length", 30);
        assertEquals("bad hello: field=length value=30 need=56", error.text("reason"));
    }

    @Test
    void shouldReportBadMagicAtTheStartOfTheStream()
    {
        final byte[] c2s = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

        final DecodedRecord error = lastOf(c2s, new byte[0], 1);

        // "GET " read little-endian: 0x20544547.
        assertError(error, 0, 16, "acr_magic", 0x20544547L);
        assertEquals("bad connreq: field=acr_magic value=0x20544547", error.text("reason"));
    }

    @Test
    void shouldReportBadHelloMagicAfterTheConnreq()
    {
        final byte[] hello = HELLO.clone();
        hello[3] = 0x46;

        final DecodedRecord error = lastOf(concat(CONNREQ, hello), REPLY, 2);

        // 63 69 72 46 read little-endian.
        assertError(error, 16, 56, "kshm_magic", 0x46726963L);
    }

    @Test
    void shouldReportUnknownHelloVersion()
    {
        final byte[] hello = HELLO.clone();
        hello[4] = 5;

        assertError(lastOf(concat(CONNREQ, hello), REPLY, 2), 16, 56, "kshm_version", 5);
    }

    @Test
    void shouldReportTooManyHelloIps()
    {
        final byte[] hello = HELLO.clone();
        ByteBuffer.wrap(hello).order(LE).putInt(52, 17);

        assertError(lastOf(concat(CONNREQ, hello), REPLY, 2), 16, 56, "kshm_nips", 17);
    }

    @Test
    void shouldReportUnknownKsmTypeAndStopThatDirection()
    {
        final byte[] bad = noop(LE, 0, 0);
        bad[0] = (byte)0xc2;
        final byte[] c2s = concat(CONNREQ, HELLO, noop(LE, 0, 5), bad, noop(LE, 0, 6));
        final TcpConversation conversation = Conversations.of(c2s, REPLY, true);

        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        assertTiled(conversation, records);
        final List<DecodedRecord> sent = Conversations.of(records, StreamDirection.C2S);
        assertEquals(4, sent.size());
        assertError(sent.get(3), 96, 48, "ksm_type", 0xc2);
        assertTrue(sent.get(3).toJson().contains("\"kind\":\"error\",\"reason\":\"bad ksock msg: field=ksm_type " +
            "value=0xc2\",\"field\":\"ksm_type\",\"value\":\"194\"}"), sent.get(3).toJson());
        assertEquals(List.of(RecordKind.HELLO, RecordKind.NOOP),
            Conversations.of(records, StreamDirection.S2C).stream().map(DecodedRecord::kind).toList());
    }

    @Test
    void shouldReportPayloadLengthOverOneMebibyte()
    {
        final byte[] message = put(LE, SERVER_NID, CLIENT_NID, 1, 0);
        ByteBuffer.wrap(message).order(LE).putInt(24 + 28, (1 << 20) + 1);

        final DecodedRecord error = lastOf(concat(CONNREQ, HELLO, message), REPLY, 3);

        assertError(error, 72, 96, "payload_length", (1 << 20) + 1);
    }

    @Test
    void shouldReportAckCarryingPayload()
    {
        final byte[] message = ack(LE, SERVER_NID, CLIENT_NID, 1, 8);
        ByteBuffer.wrap(message).order(LE).putInt(24 + 28, 4);

        assertError(lastOf(concat(CONNREQ, HELLO, message), REPLY, 3), 72, 96, "payload_length", 4);
    }

    @Test
    void shouldReportMessageCutShortByTheEndOfTheCapture()
    {
        final byte[] message = put(LE, SERVER_NID, CLIENT_NID, 1, 300);

        final DecodedRecord error = lastOf(concat(CONNREQ, HELLO, Arrays.copyOf(message, 250)), REPLY, 3);

        assertError(error, 72, 250, "length", 250);
        assertEquals("truncated lnet message: field=length value=250 need=396", error.text("reason"));
    }

    @Test
    void shouldEscapeTextInJson()
    {
        final DecodedRecord record = new DecodedRecord(1, StreamDirection.S2C, 2, 3, 4, 5, RecordKind.SKIPPED,
            Map.of("reason", "a \"quoted\" \\ line\nand\ttab \u0001"));

        assertEquals("{\"stream\":1,\"dir\":\"s2c\",\"first_frame\":2,\"last_frame\":3,\"stream_offset\":4," +
            "\"stream_length\":5,\"kind\":\"skipped\",\"reason\":\"a \\\"quoted\\\" \\\\ line\\nand\\ttab \\u0001\"}",
            record.toJson());
    }

    private static DecodedRecord lastOf(final byte[] c2s, final byte[] s2c, final int expectedC2sRecords)
    {
        final TcpConversation conversation = Conversations.of(c2s, s2c, true);
        final List<DecodedRecord> records = StreamDissector.dissect(conversation);
        assertTiled(conversation, records);
        final List<DecodedRecord> sent = Conversations.of(records, StreamDirection.C2S);
        assertEquals(expectedC2sRecords, sent.size(), sent::toString);
        return sent.get(sent.size() - 1);
    }

    private static void assertError(
        final DecodedRecord error, final int offset, final int length, final String field, final long value)
    {
        assertEquals(RecordKind.ERROR, error.kind(), error::toString);
        assertEquals(offset, error.streamOffset());
        assertEquals(length, error.streamLength());
        assertEquals(field, error.text("field"));
        assertEquals(value, error.number("value"));
        assertTrue(error.text("reason").contains("field=" + field), error::toString);
    }
}
