package io.jsocklnd.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@code ksm_csum}: crc32_le seeded with all ones and not inverted at the end.
 */
@Timeout(10)
class KsockChecksumTest
{
    @Test
    void shouldMatchCrc32CheckValueInverted()
    {
        final byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x340BC6D9, new KsockChecksum().update(check, 0, check.length).value());
        assertEquals(0xFFFFFFFF, new KsockChecksum().value());
    }

    @Test
    void shouldIgnoreChecksumFieldWhenComputingV2Checksum()
    {
        final UnsafeBuffer message = WireTestBytes.buffer(CaptureVectorsTest.SYNTH_GET);
        final KsockChecksum csum = new KsockChecksum();
        final int value = csum.computeV2(message, 0, message.capacity());
        message.putInt(KsockMsgFlyweight.KSM_CSUM_OFFSET, value, ByteOrder.LITTLE_ENDIAN);
        assertEquals(value, csum.computeV2(message, 0, message.capacity()));
        message.putByte(40, (byte)(message.getByte(40) ^ 1));
        assertNotEquals(value, csum.computeV2(message, 0, message.capacity()));
    }

    @Test
    void shouldGiveTheWholeMessageChecksumWhenThePayloadIsAddedAfterTheHeaders()
    {
        final UnsafeBuffer message = WireTestBytes.buffer(CaptureVectorsTest.SYNTH_GET);
        final int split = KsockMsgFlyweight.LENGTH + 10;
        final int value = new KsockChecksum().startV2(message, 0, split)
            .update(message, split, message.capacity() - split).value();
        assertEquals(new KsockChecksum().computeV2(message, 0, message.capacity()), value);
    }

    @Test
    void shouldChecksumAcrossScratchChunksOfDirectBuffers()
    {
        final byte[] data = new byte[5000];
        for (int i = 0; i < data.length; i++)
        {
            data[i] = (byte)(i * 31 + 7);
        }
        final UnsafeBuffer direct = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(data.length + 3));
        direct.putBytes(3, data);
        final int expected = new KsockChecksum().update(data, 0, data.length).value();
        assertEquals(expected, new KsockChecksum().update(direct, 3, data.length).value());
        assertEquals(expected, new KsockChecksum().update(new UnsafeBuffer(data, 0, data.length), 0, data.length).value());
    }
}
