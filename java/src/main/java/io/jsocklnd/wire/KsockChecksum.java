package io.jsocklnd.wire;

import org.agrona.DirectBuffer;

import java.util.zip.CRC32;

import static io.jsocklnd.wire.KsockMsgFlyweight.KSM_CSUM_OFFSET;
import static io.jsocklnd.wire.KsockMsgFlyweight.KSM_ZC_COOKIES_OFFSET;

/**
 * The socklnd checksum {@code ksm_csum} ({@code ksocknal_csum}): Linux {@code crc32_le} seeded with
 * {@code 0xFFFFFFFF} and without the final inversion, i.e. the bitwise NOT of the standard CRC-32.
 *
 * <p>V2 senders with {@code enable_csum} cover the 24-byte ksock header with {@code ksm_csum} zeroed, the LNet
 * header and the payload ({@link #computeV2}); V3/V4 receivers check only payload bytes. A computed value is
 * written as is; 0 on the wire means "no checksum". Reusable, not thread-safe; allocates only at construction.
 */
public final class KsockChecksum
{
    private static final int SCRATCH_LENGTH = 512;

    private final CRC32 crc = new CRC32();
    private final byte[] scratch = new byte[SCRATCH_LENGTH];

    /**
     * Starts a new checksum.
     *
     * @return this.
     */
    public KsockChecksum reset()
    {
        crc.reset();
        return this;
    }

    /**
     * @param buffer bytes to add.
     * @param offset first byte.
     * @param length number of bytes.
     * @return this.
     */
    public KsockChecksum update(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] array = buffer.byteArray();
        if (array != null)
        {
            buffer.boundsCheck(offset, length);
            crc.update(array, buffer.wrapAdjustment() + offset, length);
            return this;
        }
        int done = 0;
        while (done < length)
        {
            final int n = Math.min(SCRATCH_LENGTH, length - done);
            buffer.getBytes(offset + done, scratch, 0, n);
            crc.update(scratch, 0, n);
            done += n;
        }
        return this;
    }

    /**
     * @param bytes bytes to add.
     * @param offset first byte.
     * @param length number of bytes.
     * @return this.
     */
    public KsockChecksum update(final byte[] bytes, final int offset, final int length)
    {
        crc.update(bytes, offset, length);
        return this;
    }

    /**
     * Adds {@code count} zero bytes (the {@code ksm_csum} field while it is being computed).
     *
     * @param count number of zero bytes.
     * @return this.
     */
    public KsockChecksum updateZeros(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            crc.update(0);
        }
        return this;
    }

    /**
     * @return the {@code ksm_csum} value of the bytes added since {@link #reset()}.
     */
    public int value()
    {
        return (int)~crc.getValue();
    }

    /**
     * V2 checksum of one whole message held contiguously: 24-byte ksock header with {@code ksm_csum} taken as
     * zero, then the LNet header and payload.
     *
     * @param message buffer holding the message.
     * @param offset  offset of {@code ksm_type}.
     * @param length  whole message length (at least 24).
     * @return the {@code ksm_csum} value.
     */
    public int computeV2(final DirectBuffer message, final int offset, final int length)
    {
        return startV2(message, offset, length).value();
    }

    /**
     * Starts a V2 checksum with the first {@code length} bytes of a message: the 24-byte ksock header with
     * {@code ksm_csum} taken as zero, then whatever follows it in the buffer (an LNet header); the payload, held
     * elsewhere, is added with {@link #update}.
     *
     * @param message buffer holding the start of the message.
     * @param offset  offset of {@code ksm_type}.
     * @param length  bytes to add (at least 24).
     * @return this.
     */
    public KsockChecksum startV2(final DirectBuffer message, final int offset, final int length)
    {
        if (length < KSM_ZC_COOKIES_OFFSET)
        {
            throw new IllegalArgumentException("bad checksum range: length=" + length);
        }
        reset();
        update(message, offset, KSM_CSUM_OFFSET);
        updateZeros(KSM_ZC_COOKIES_OFFSET - KSM_CSUM_OFFSET);
        return update(message, offset + KSM_ZC_COOKIES_OFFSET, length - KSM_ZC_COOKIES_OFFSET);
    }
}
