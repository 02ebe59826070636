package io.jsocklnd.lnd;

import io.jsocklnd.wire.KsockMsgFlyweight;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ACK;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKNAL_KEEPALIVE_PING;

/**
 * V3: V2 framing plus a dedicated ACK connection (this side's BULK_IN) carrying only NOOPs, where ACKs
 * are batched into pairs and ranges, and the keepalive NOOP (cookie 1). LNET messages never use ANY or
 * BULK_IN.
 */
final class ProtocolV3 extends ProtocolV2
{
    /**
     * The single instance.
     */
    public static final ProtocolV3 INSTANCE = new ProtocolV3();

    private ProtocolV3()
    {
    }

    public int version()
    {
        return KSOCK_PROTO_V3;
    }

    public boolean keepaliveDefined()
    {
        return true;
    }

    public boolean carriesChecksum()
    {
        return false;
    }

    public boolean checksumsPayloadOnly()
    {
        return true;
    }

    public boolean queueAck(final TxQueue queue, final int ctype, final Tx ackNoop)
    {
        if (ctype != SOCKLND_CONN_ACK)
        {
            return queue.queueAck(ackNoop);
        }
        return queue.queueBatchedAck(ackNoop, SOCKNAL_KEEPALIVE_PING) != ZcAckCoalescer.NOT_MERGED;
    }

    public int match(final int ctype, final int nob, final boolean nonBlocking, final int minBulk)
    {
        final boolean noop = nob <= KsockMsgFlyweight.LENGTH;
        switch (ctype)
        {
            case SOCKLND_CONN_BULK_IN:
                if (nonBlocking)
                {
                    return MATCH_YES;
                }
                return noop ? MATCH_MAYBE : MATCH_NO;
            case SOCKLND_CONN_BULK_OUT:
                if (nonBlocking)
                {
                    return MATCH_NO;
                }
                return nob < minBulk ? MATCH_MAYBE : MATCH_YES;
            case SOCKLND_CONN_CONTROL:
                if (nonBlocking)
                {
                    return MATCH_NO;
                }
                return noop || nob < minBulk ? MATCH_YES : MATCH_MAYBE;
            default:
                return MATCH_NO;
        }
    }
}
