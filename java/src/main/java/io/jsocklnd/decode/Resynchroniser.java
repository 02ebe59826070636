package io.jsocklnd.decode;

import io.jsocklnd.pcap.TcpDirection;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LargeNid;
import io.jsocklnd.wire.LnetHeader;
import io.jsocklnd.wire.LnetHeader16Flyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.List;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;

/**
 * Finds where messages start in a direction whose beginning (and so whose hello) was not captured: the first
 * offset where a chain of plausible messages begins, ksock framing ({@code ksm_type} NOOP/LNET in either byte
 * order, LNET followed by a plausible nid4 or nid16 LNet header) or V1 framing (bare nid4 LNet headers).
 */
final class Resynchroniser
{
    /** Consecutive plausible messages required (fewer if the direction ends exactly after them). */
    static final int CHAIN = 3;
    /** Highest LND type taken as plausible in a NID (KFILND is 16). */
    static final int MAX_LND_TYPE = 16;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final List<ByteOrder> BOTH_ORDERS = List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    private static final List<ByteOrder> LE_ONLY = List.of(ByteOrder.LITTLE_ENDIAN);
    private static final List<Framing> ALL = List.of(Framing.KSOCK_NID4, Framing.KSOCK_NID16, Framing.V1);

    /**
     * Where framing was found.
     *
     * @param offset  stream offset of the first message.
     * @param framing the framing.
     * @param order   the sender's byte order for ksock headers (LE for V1).
     */
    record Sync(int offset, Framing framing, ByteOrder order)
    {
    }

    private final DirectBuffer buffer;
    private final TcpDirection direction;
    private final int length;

    Resynchroniser(final DirectBuffer buffer, final TcpDirection direction, final int length)
    {
        this.buffer = buffer;
        this.direction = direction;
        this.length = length;
    }

    /**
     * @param from first offset to try.
     * @param hint the framing the other direction's hello announced, or null to try all.
     * @return the first offset at or after {@code from} where messages start, or null.
     */
    Sync find(final int from, final Framing hint)
    {
        final List<Framing> framings = hint == null ? ALL : List.of(hint);
        for (int at = from; at < length; at++)
        {
            if (!direction.isCaptured(at, 1))
            {
                continue;
            }
            for (final Framing framing : framings)
            {
                for (final ByteOrder order : framing == Framing.V1 ? LE_ONLY : BOTH_ORDERS)
                {
                    if (isChain(at, framing, order))
                    {
                        return new Sync(at, framing, order);
                    }
                }
            }
        }
        return null;
    }

    private boolean isChain(final int from, final Framing framing, final ByteOrder order)
    {
        long at = from;
        for (int count = 0; count < CHAIN; count++)
        {
            if (at == length)
            {
                return count > 0;
            }
            final long messageLength = plausibleLength((int)at, framing, order);
            if (messageLength < 0 || !direction.isCaptured((int)at, (int)Math.min(messageLength, length - at)))
            {
                return false;
            }
            at += messageLength;
            if (at > length)
            {
                return true;
            }
        }
        return true;
    }

    private long plausibleLength(final int at, final Framing framing, final ByteOrder order)
    {
        final int available = length - at;
        if (framing == Framing.V1)
        {
            return available < LnetHeaderFlyweight.LENGTH ? -1 : plausibleLnet(at, false);
        }
        if (available < KsockMsgFlyweight.LENGTH)
        {
            return -1;
        }
        final int type = buffer.getInt(at + KsockMsgFlyweight.KSM_TYPE_OFFSET, order);
        if (type == KSOCK_MSG_NOOP)
        {
            return KsockMsgFlyweight.LENGTH;
        }
        if (type != KSOCK_MSG_LNET || available < KsockMsgFlyweight.LENGTH + framing.lnetHeaderLength())
        {
            return -1;
        }
        final long lnet = plausibleLnet(at + KsockMsgFlyweight.LENGTH, framing == Framing.KSOCK_NID16);
        return lnet < 0 ? -1 : KsockMsgFlyweight.LENGTH + lnet;
    }

    private long plausibleLnet(final int at, final boolean nid16)
    {
        final int typeAt = nid16 ? LnetHeader16Flyweight.TYPE_OFFSET : LnetHeaderFlyweight.TYPE_OFFSET;
        final int payloadAt = nid16 ? LnetHeader16Flyweight.PAYLOAD_LENGTH_OFFSET : LnetHeaderFlyweight.PAYLOAD_LENGTH_OFFSET;
        final int payloadLength = buffer.getInt(at + payloadAt, LE);
        try
        {
            LnetHeader.validate(buffer.getInt(at + typeAt, LE), payloadLength);
        }
        catch (final ProtocolException ex)
        {
            return -1;
        }
        final boolean nidsPlausible = nid16 ?
            plausibleNid16(at + LnetHeader16Flyweight.DEST_NID_OFFSET) &&
                plausibleNid16(at + LnetHeader16Flyweight.SRC_NID_OFFSET) :
            plausibleNid4(buffer.getLong(at + LnetHeaderFlyweight.DEST_NID_OFFSET, LE)) &&
                plausibleNid4(buffer.getLong(at + LnetHeaderFlyweight.SRC_NID_OFFSET, LE));
        if (!nidsPlausible)
        {
            return -1;
        }
        return (nid16 ? LnetHeader16Flyweight.LENGTH : LnetHeaderFlyweight.LENGTH) + (payloadLength & 0xFFFF_FFFFL);
    }

    private static boolean plausibleNid4(final long nid)
    {
        final long lnd = nid >>> 48;
        return lnd >= 1 && lnd <= MAX_LND_TYPE;
    }

    private boolean plausibleNid16(final int at)
    {
        final int size = buffer.getByte(at + LargeNid.NID_SIZE_OFFSET) & 0xFF;
        final int type = buffer.getByte(at + LargeNid.NID_TYPE_OFFSET) & 0xFF;
        if ((size != LargeNid.SIZE_IPV4 && size != LargeNid.SIZE_IPV6) || type < 1 || type > MAX_LND_TYPE)
        {
            return false;
        }
        if (size == LargeNid.SIZE_IPV4)
        {
            for (int word = 1; word < 4; word++)
            {
                if (buffer.getInt(at + LargeNid.NID_ADDR_OFFSET + 4 * word) != 0)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
