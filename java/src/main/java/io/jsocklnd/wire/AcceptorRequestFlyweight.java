package io.jsocklnd.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION_16;

/**
 * Flyweight over the LNet acceptor connection request that precedes every hello: {@code struct
 * lnet_acceptor_connreq} (v1, 16 bytes, nid4 in sender order) or {@code struct lnet_acceptor_connreq_v2} (v2,
 * 28 bytes, {@code struct lnet_nid}); {@code acr_magic} and {@code acr_version} are in the sender's order, which
 * the reader takes from the magic ({@code lnet_accept}).
 *
 * <pre>
 *   0           4             8                                       16 (v1)     28 (v2)
 *   +-----------+-------------+---------------------------------------+-----------+
 *   | acr_magic | acr_version | acr_nid: nid4 (v1) / struct lnet_nid (v2)         |
 *   +-----------+-------------+---------------------------------------+-----------+
 * </pre>
 * {@code acr_nid} is the NID of the target, the node being connected to.
 */
public final class AcceptorRequestFlyweight
{
    /** Offset of {@code acr_magic}. */
    public static final int ACR_MAGIC_OFFSET = 0;
    /** Offset of {@code acr_version}. */
    public static final int ACR_VERSION_OFFSET = ACR_MAGIC_OFFSET + 4;
    /** Offset of {@code acr_nid}. */
    public static final int ACR_NID_OFFSET = ACR_VERSION_OFFSET + 4;
    /** Bytes needed to tell the version, and so the length. */
    public static final int PREFIX_LENGTH = ACR_NID_OFFSET;
    /** Size of connreq v1. */
    public static final int V1_LENGTH = ACR_NID_OFFSET + 8;
    /** Size of connreq v2. */
    public static final int V2_LENGTH = ACR_NID_OFFSET + LargeNid.LENGTH;

    private static final String CONTEXT = "bad connreq";

    private DirectBuffer buffer;
    private int offset;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    private int version;

    /**
     * Byte order of the sender, from {@code acr_magic}.
     *
     * @param buffer    buffer.
     * @param offset    offset of {@code acr_magic}.
     * @param available bytes available from {@code offset}.
     * @return the sender's byte order.
     * @throws ProtocolException on a short buffer or a bad magic (value read little-endian).
     */
    public static ByteOrder detectByteOrder(final DirectBuffer buffer, final int offset, final int available)
    {
        if (available < 4)
        {
            throw ProtocolException.shortBuffer(CONTEXT, available, 4);
        }
        final int magic = buffer.getInt(offset + ACR_MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (magic == LNET_PROTO_ACCEPTOR_MAGIC)
        {
            return ByteOrder.LITTLE_ENDIAN;
        }
        if (magic == Integer.reverseBytes(LNET_PROTO_ACCEPTOR_MAGIC))
        {
            return ByteOrder.BIG_ENDIAN;
        }
        throw ProtocolException.hex(CONTEXT, "acr_magic", magic & 0xFFFF_FFFFL, null);
    }

    /**
     * Bytes a streaming reader must have before {@link #wrap} can succeed: {@link #PREFIX_LENGTH} while fewer
     * are available, then the full length of the request.
     *
     * @param buffer    buffer.
     * @param offset    offset of {@code acr_magic}.
     * @param available bytes available from {@code offset}.
     * @return bytes needed so far.
     * @throws ProtocolException on a bad magic or an unknown version.
     */
    public static int requiredLength(final DirectBuffer buffer, final int offset, final int available)
    {
        if (available < PREFIX_LENGTH)
        {
            if (available >= 4)
            {
                detectByteOrder(buffer, offset, available);
            }
            return PREFIX_LENGTH;
        }
        final ByteOrder order = detectByteOrder(buffer, offset, available);
        return lengthOf(buffer.getInt(offset + ACR_VERSION_OFFSET, order));
    }

    private static int lengthOf(final int version)
    {
        switch (version)
        {
            case LNET_PROTO_ACCEPTOR_VERSION:
                return V1_LENGTH;
            case LNET_PROTO_ACCEPTOR_VERSION_16:
                return V2_LENGTH;
            default:
                throw new ProtocolException(CONTEXT, "acr_version", version & 0xFFFF_FFFFL, null);
        }
    }

    /**
     * Wraps and validates a received request.
     *
     * @param buffer buffer.
     * @param offset offset of {@code acr_magic}.
     * @param length bytes available from {@code offset}.
     * @return this.
     * @throws ProtocolException on a short buffer, a bad magic or an unknown version.
     */
    public AcceptorRequestFlyweight wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < PREFIX_LENGTH)
        {
            throw ProtocolException.shortBuffer(CONTEXT, length, PREFIX_LENGTH);
        }
        final ByteOrder order = detectByteOrder(buffer, offset, length);
        final int version = buffer.getInt(offset + ACR_VERSION_OFFSET, order);
        final int need = lengthOf(version);
        if (length < need)
        {
            throw ProtocolException.shortBuffer(CONTEXT, length, need);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.order = order;
        this.version = version;
        return this;
    }

    /**
     * Writes connreq v1.
     *
     * @param buffer buffer.
     * @param offset offset of {@code acr_magic}.
     * @param nid4   target NID.
     * @param order  byte order to write.
     * @return {@link #V1_LENGTH}.
     */
    public static int encodeV1(final MutableDirectBuffer buffer, final int offset, final long nid4, final ByteOrder order)
    {
        buffer.putInt(offset + ACR_MAGIC_OFFSET, LNET_PROTO_ACCEPTOR_MAGIC, order);
        buffer.putInt(offset + ACR_VERSION_OFFSET, LNET_PROTO_ACCEPTOR_VERSION, order);
        buffer.putLong(offset + ACR_NID_OFFSET, nid4, order);
        return V1_LENGTH;
    }

    /**
     * Writes connreq v2.
     *
     * @param buffer buffer.
     * @param offset offset of {@code acr_magic}.
     * @param nid    target NID.
     * @param order  byte order of magic and version.
     * @return {@link #V2_LENGTH}.
     */
    public static int encodeV2(
        final MutableDirectBuffer buffer, final int offset, final LargeNid nid, final ByteOrder order)
    {
        buffer.putInt(offset + ACR_MAGIC_OFFSET, LNET_PROTO_ACCEPTOR_MAGIC, order);
        buffer.putInt(offset + ACR_VERSION_OFFSET, LNET_PROTO_ACCEPTOR_VERSION_16, order);
        nid.encode(buffer, offset + ACR_NID_OFFSET);
        return V2_LENGTH;
    }

    /**
     * @return the sender's byte order.
     */
    public ByteOrder byteOrder()
    {
        return order;
    }

    /**
     * @return {@code acr_version}: 1 or 2.
     */
    public int version()
    {
        return version;
    }

    /**
     * @return 16 (v1) or 28 (v2).
     */
    public int length()
    {
        return version == LNET_PROTO_ACCEPTOR_VERSION ? V1_LENGTH : V2_LENGTH;
    }

    /**
     * @return {@code acr_nid} as a nid4 (v2 converted with {@code lnet_nid_to_nid4}).
     */
    public long nid4()
    {
        if (version == LNET_PROTO_ACCEPTOR_VERSION)
        {
            return buffer.getLong(offset + ACR_NID_OFFSET, order);
        }
        return LargeNid.toNid4(buffer, offset + ACR_NID_OFFSET);
    }

    /**
     * @return {@code acr_nid} (allocates; v1 converted with {@code lnet_nid4_to_nid}).
     */
    public LargeNid nid()
    {
        if (version == LNET_PROTO_ACCEPTOR_VERSION)
        {
            return LargeNid.fromNid4(buffer.getLong(offset + ACR_NID_OFFSET, order));
        }
        return LargeNid.decode(buffer, offset + ACR_NID_OFFSET);
    }
}
