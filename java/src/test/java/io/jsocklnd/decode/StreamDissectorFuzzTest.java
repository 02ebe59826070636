package io.jsocklnd.decode;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jsocklnd.pcap.TcpConversation;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.jsocklnd.decode.WireBytes.CLIENT_NID;
import static io.jsocklnd.decode.WireBytes.SERVER_NID;
import static io.jsocklnd.decode.WireBytes.concat;
import static io.jsocklnd.decode.WireBytes.connreq;
import static io.jsocklnd.decode.WireBytes.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes in both directions of a conversation, with or without a valid connreq and hello in front, with
 * or without the handshake, with segments missing: the dissector never throws, its records tile every direction,
 * an error is the last record of its direction and names a wire field.
 */
@Timeout(60)
class StreamDissectorFuzzTest
{
    @FuzzTest
    void fuzzDissector(final FuzzedDataProvider data)
    {
        final boolean handshake = data.consumeBoolean();
        final ByteOrder order = data.consumeBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        final int version = data.consumeInt(1, 3);
        final boolean preamble = data.consumeBoolean();
        final Set<Integer> dropped = new HashSet<>();
        if (handshake)
        {
            final int mask = data.consumeInt(0, 15);
            for (int bit = 0; bit < 4; bit++)
            {
                if ((mask & (1 << bit)) != 0)
                {
                    dropped.add(bit + 1);
                }
            }
        }
        final byte[] c2sBody = data.consumeBytes(data.consumeInt(0, 2000));
        final byte[] s2cBody = data.consumeRemainingAsBytes();
        final byte[] c2s = preamble ?
            concat(connreq(SERVER_NID, order), hello(version, order, CLIENT_NID, SERVER_NID, 1, 1), c2sBody) : c2sBody;
        final byte[] s2c = preamble ? concat(hello(version, order, SERVER_NID, CLIENT_NID, 2, 1), s2cBody) : s2cBody;
        if (!handshake && c2s.length == 0 && s2c.length == 0)
        {
            return;
        }

        final TcpConversation conversation = Conversations.of(c2s, s2c, handshake, dropped);
        final List<DecodedRecord> records = StreamDissector.dissect(conversation);

        Conversations.assertTiled(conversation, records);
        for (final StreamDirection sense : StreamDirection.values())
        {
            final List<DecodedRecord> mine = Conversations.of(records, sense);
            for (int i = 0; i < mine.size(); i++)
            {
                final DecodedRecord record = mine.get(i);
                assertTrue(record.streamLength() > 0, record::toString);
                assertTrue(record.toJson().startsWith("{\"stream\":0,"), record::toString);
                if (record.kind() == RecordKind.ERROR)
                {
                    assertEquals(mine.size() - 1, i, record::toString);
                    assertNotEquals("internal", record.text("field"), record::toString);
                }
            }
        }
    }
}
