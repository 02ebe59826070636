package io.jsocklnd.lnd;

import io.jsocklnd.wire.KsockMsgFlyweight;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V2;

/**
 * V2: sender-order hello and ksock header, NOOPs and ZC cookies, one ACK per message, ACKs on CONTROL.
 */
class ProtocolV2 extends SocklndProtocol
{
    /**
     * The single instance.
     */
    public static final ProtocolV2 INSTANCE = new ProtocolV2();

    ProtocolV2()
    {
    }

    public int version()
    {
        return KSOCK_PROTO_V2;
    }

    public int rxStartState()
    {
        return RX_START_KSM_HEADER;
    }

    public int framingLength()
    {
        return KsockMsgFlyweight.LENGTH;
    }

    public boolean zcCapable()
    {
        return true;
    }

    public boolean keepaliveDefined()
    {
        return false;
    }

    public boolean carriesChecksum()
    {
        return true;
    }

    public int packFraming(final Tx tx, final MutableDirectBuffer buffer, final int offset, final ByteOrder order)
    {
        return KsockMsgFlyweight.encode(
            buffer, offset, order, tx.type(), 0, tx.cookies().cookie0(), tx.cookies().cookie1());
    }

    public Tx queueMessage(final TxQueue queue, final Tx msg)
    {
        return queue.queueMessage(msg);
    }

    public boolean queueAck(final TxQueue queue, final int ctype, final Tx ackNoop)
    {
        return queue.queueAck(ackNoop);
    }

    public int match(final int ctype, final int nob, final boolean nonBlocking, final int minBulk)
    {
        return matchBySize(ctype, nob, minBulk);
    }
}
