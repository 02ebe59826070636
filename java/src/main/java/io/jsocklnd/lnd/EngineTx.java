package io.jsocklnd.lnd;

import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A pooled send with its header bytes in native memory: framing at
 * [{@link #LNET_HEADER_OFFSET} - framing length, {@link #LNET_HEADER_OFFSET}), the nid4 LNet header after
 * it, and the payload by address. Where it is in its life is its {@link SendState}, changed only through
 * {@link #moveTo}.
 */
final class EngineTx extends Tx
{
    static final int LNET_HEADER_OFFSET = KsockMsgFlyweight.LENGTH;
    static final int HEADER_CAPACITY = LNET_HEADER_OFFSET + LnetHeaderFlyweight.LENGTH;

    /** Payload gathered into the writev with the headers (copied by the kernel). */
    static final int PAYLOAD_COPY = 0;
    /** Payload written by the connection's {@link ZeroCopyWriter} after the headers. */
    static final int PAYLOAD_ZERO_COPY = 1;
    /** Payload is a file region written by sendfile after the headers. */
    static final int PAYLOAD_SENDFILE = 2;

    final UnsafeBuffer header = new UnsafeBuffer(BufferUtil.allocateDirectAligned(HEADER_CAPACITY, 64));
    long correlationId;
    long dstNid;
    int dstPid;
    long payloadAddress;
    int payloadLength;
    boolean nonBlocking;
    /** Open file of a file-region payload, or -1. */
    int fileFd = -1;
    long fileOffset;
    /** How the payload reaches the socket, one of the {@code PAYLOAD_*} values; fixed when queued. */
    int payloadPath;
    /** The ZC request cookie ({@code ksm_zc_cookies[0]}), 0 when this send is not a ZC request. */
    long zcCookie;
    /** MSG_ZEROCOPY send id of the payload's last bytes, -1 when the kernel owes no release. */
    long zcSendId = -1;

    /** Where the wire bytes start in {@link #header}, fixed when packed. */
    int wireStart;
    /** Header bytes on the wire (framing plus LNet header, or framing alone for a NOOP). */
    int headerLength;
    /** Bytes of this send already written. */
    long sent;
    long queuedAtNs;
    /** The peer of an LNET message, from its launch. */
    Peer peer;
    Connection connection;
    private SendState state = SendState.FREE;

    SendState state()
    {
        return state;
    }

    /**
     * Move to the next state of the send's life.
     *
     * @param next the new state.
     * @throws IllegalStateException if {@link SendState#canMoveTo} says the move is not legal: a bug.
     */
    void moveTo(final SendState next)
    {
        if (!state.canMoveTo(next))
        {
            throw new IllegalStateException("illegal send move: " + state + " -> " + next + " type=0x" +
                Integer.toHexString(type()) + " correlationId=" + correlationId + " zcCookie=" + zcCookie);
        }
        state = next;
    }

    /**
     * Bytes of this send that go out in the gathered writev: all of it, or only the headers when the payload
     * takes its own path.
     */
    long gatheredLength()
    {
        return payloadPath == PAYLOAD_COPY ? wireLength() : headerLength;
    }

    long wireLength()
    {
        return headerLength + (long)payloadLength;
    }

    /**
     * Back to the pool: FREE, every field cleared.
     */
    void reset()
    {
        moveTo(SendState.FREE);
        cookies().clear();
        correlationId = 0;
        dstNid = 0;
        dstPid = 0;
        payloadAddress = 0;
        payloadLength = 0;
        nonBlocking = false;
        fileFd = -1;
        fileOffset = 0;
        payloadPath = PAYLOAD_COPY;
        zcCookie = 0;
        zcSendId = -1;
        wireStart = 0;
        headerLength = 0;
        sent = 0;
        queuedAtNs = 0;
        peer = null;
        connection = null;
    }
}
