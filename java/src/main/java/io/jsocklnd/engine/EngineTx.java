package io.jsocklnd.engine;

import io.jsocklnd.conn.Tx;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A pooled send with its header bytes in native memory: framing at
 * [{@link #LNET_HEADER_OFFSET} - framing length, {@link #LNET_HEADER_OFFSET}), the nid4 LNet header after
 * it, and the payload by address.
 */
final class EngineTx extends Tx
{
    static final int LNET_HEADER_OFFSET = KsockMsgFlyweight.LENGTH;
    static final int HEADER_CAPACITY = LNET_HEADER_OFFSET + LnetHeaderFlyweight.LENGTH;

    final UnsafeBuffer header = new UnsafeBuffer(BufferUtil.allocateDirectAligned(HEADER_CAPACITY, 64));
    long correlationId;
    long dstNid;
    int dstPid;
    long payloadAddress;
    int payloadLength;
    boolean nonBlocking;

    /** Where the wire bytes start in {@link #header}, fixed when packed. */
    int wireStart;
    /** Header bytes on the wire (framing plus LNet header, or framing alone for a NOOP). */
    int headerLength;
    /** Bytes of this send already written. */
    long sent;
    long queuedAtNs;
    Connection connection;

    long wireLength()
    {
        return headerLength + (long)payloadLength;
    }

    void reset()
    {
        cookies().clear();
        correlationId = 0;
        dstNid = 0;
        dstPid = 0;
        payloadAddress = 0;
        payloadLength = 0;
        nonBlocking = false;
        wireStart = 0;
        headerLength = 0;
        sent = 0;
        queuedAtNs = 0;
        connection = null;
    }
}
