package io.jsocklnd.lnd;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;

/**
 * V1: a little-endian LNet HELLO header as hello, then bare LNet headers and payloads. No ksock header,
 * so no NOOP, no ZC cookies, no keepalive: sends to a V1 peer are never ZC requests.
 */
final class ProtocolV1 extends SocklndProtocol
{
    /**
     * The single instance.
     */
    public static final ProtocolV1 INSTANCE = new ProtocolV1();

    private ProtocolV1()
    {
    }

    public int version()
    {
        return KSOCK_PROTO_V1;
    }

    public int rxStartState()
    {
        return RX_START_LNET_HEADER;
    }

    public int framingLength()
    {
        return 0;
    }

    public boolean zcCapable()
    {
        return false;
    }

    public boolean keepaliveDefined()
    {
        return false;
    }

    public boolean carriesChecksum()
    {
        return false;
    }

    public int packFraming(final Tx tx, final MutableDirectBuffer buffer, final int offset, final ByteOrder order)
    {
        if (tx.type() != KSOCK_MSG_LNET)
        {
            throw new IllegalStateException("V1 carries only LNET messages: type=0x" + Integer.toHexString(tx.type()));
        }
        return 0;
    }

    public Tx queueMessage(final TxQueue queue, final Tx msg)
    {
        return queue.queueMessage(msg);
    }

    public boolean queueAck(final TxQueue queue, final int ctype, final Tx ackNoop)
    {
        throw new IllegalStateException("V1 has no ZC-ACK");
    }

    public int match(final int ctype, final int nob, final boolean nonBlocking, final int minBulk)
    {
        return matchBySize(ctype, nob, minBulk);
    }
}
