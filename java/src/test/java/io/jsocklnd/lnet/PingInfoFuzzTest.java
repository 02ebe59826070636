package io.jsocklnd.lnet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.LNET_PING_FEAT_NI_STATUS;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_PING_MAGIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a ping reply payload (the GET reply a pinged node sends back): it decodes or is refused
 * with the field named; a decoded one keeps the checks of {@code lnet_ping_info_validate} and exactly the
 * entries that arrived; the same bytes with every field byte-reversed decode to the same values, marked swapped.
 * The first input byte picks the interface limit (1 to 32), so the limit is fuzzed too.
 */
@Timeout(60)
class PingInfoFuzzTest
{
    @FuzzTest
    void fuzzPingInfo(final byte[] input)
    {
        if (input.length == 0)
        {
            return;
        }
        final int maxInterfaces = 1 + (input[0] & 31);
        final int length = input.length - 1;
        final UnsafeBuffer in = new UnsafeBuffer(new byte[Math.max(length, 1)]);
        in.putBytes(0, input, 1, length);

        final PingInfo info;
        try
        {
            info = PingInfo.decode(in, 0, length, maxInterfaces);
        }
        catch (final ProtocolException ex)
        {
            assertNotNull(ex.field());
            assertTrue(ex.getMessage().startsWith("bad ping info: field=" + ex.field() + " value="), ex.getMessage());
            return;
        }

        final ByteOrder order = info.swapped() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        assertEquals(LNET_PROTO_PING_MAGIC, in.getInt(PingInfo.MAGIC_OFFSET, order));
        assertNotEquals(0, info.features() & LNET_PING_FEAT_NI_STATUS);
        assertTrue(info.nnis() >= 1 && info.nnis() <= maxInterfaces, "nnis=" + info.nnis());
        final int arrived = (length - PingInfo.HEADER_LENGTH) / PingInfo.NI_STATUS_LENGTH;
        assertEquals(Math.min(info.nnis(), arrived), info.entries().size());
        assertEquals(Nid.LO, info.entries().get(0).nid());
        assertEquals(info.entries().size() - 1, info.interfaces().size());
        for (int i = 0; i < info.entries().size(); i++)
        {
            final int at = PingInfo.NI_OFFSET + i * PingInfo.NI_STATUS_LENGTH;
            assertEquals(in.getLong(at + PingInfo.NS_NID_OFFSET, order), info.entries().get(i).nid());
            assertEquals(in.getInt(at + PingInfo.NS_STATUS_OFFSET, order), info.entries().get(i).status());
            assertEquals(in.getInt(at + PingInfo.NS_MSG_SIZE_OFFSET, order), info.entries().get(i).msgSize());
        }

        final UnsafeBuffer flipped = new UnsafeBuffer(new byte[in.capacity()]);
        flipped.putBytes(0, in, 0, in.capacity());
        for (int at = 0; at + 4 <= PingInfo.HEADER_LENGTH; at += 4)
        {
            flipped.putInt(at, Integer.reverseBytes(in.getInt(at)));
        }
        for (int i = 0; i < arrived; i++)
        {
            final int at = PingInfo.NI_OFFSET + i * PingInfo.NI_STATUS_LENGTH;
            flipped.putLong(at + PingInfo.NS_NID_OFFSET, Long.reverseBytes(in.getLong(at + PingInfo.NS_NID_OFFSET)));
            flipped.putInt(at + PingInfo.NS_STATUS_OFFSET, Integer.reverseBytes(in.getInt(at + PingInfo.NS_STATUS_OFFSET)));
            flipped.putInt(at + PingInfo.NS_MSG_SIZE_OFFSET,
                Integer.reverseBytes(in.getInt(at + PingInfo.NS_MSG_SIZE_OFFSET)));
        }
        final PingInfo other = PingInfo.decode(flipped, 0, length, maxInterfaces);
        assertEquals(!info.swapped(), other.swapped());
        assertEquals(info.features(), other.features());
        assertEquals(info.pid(), other.pid());
        assertEquals(info.nnis(), other.nnis());
        assertEquals(info.entries(), other.entries());
    }
}
