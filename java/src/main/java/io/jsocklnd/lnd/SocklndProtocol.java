package io.jsocklnd.lnd;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;

/**
 * The protocol table of one connection ({@code struct ksock_proto}), chosen once at hello: how messages are
 * framed, how ACKs ride on queued sends, which connection a send may use. The data path calls through it
 * and never tests the version.
 */
abstract class SocklndProtocol
{
    /**
     * {@link #match} result: the connection must not carry this send.
     */
    public static final int MATCH_NO = 0;

    /**
     * {@link #match} result: the connection may carry it when nothing better exists.
     */
    public static final int MATCH_MAYBE = 1;

    /**
     * {@link #match} result: the connection is meant for it.
     */
    public static final int MATCH_YES = 2;

    /**
     * RX starts by reading the 24-byte ksock header.
     */
    public static final int RX_START_KSM_HEADER = 1;

    /**
     * RX starts by reading the LNet header (V1 framing).
     */
    public static final int RX_START_LNET_HEADER = 2;

    /**
     * The version number of the hello ({@code kshm_version}; 1 for V1).
     *
     * @return the version.
     */
    public abstract int version();

    /**
     * First RX state of every message on this protocol.
     *
     * @return {@link #RX_START_KSM_HEADER} or {@link #RX_START_LNET_HEADER}.
     */
    public abstract int rxStartState();

    /**
     * Bytes of framing before the LNet header (24 for the ksock header, 0 for V1).
     *
     * @return the framing length.
     */
    public abstract int framingLength();

    /**
     * Whether zero-copy sends on this protocol can be ACKed by the peer (not V1).
     *
     * @return true if ZC requests may be issued.
     */
    public abstract boolean zcCapable();

    /**
     * Whether cookie 1 is the keepalive NOOP (V3 and later) rather than an ordinary cookie.
     *
     * @return true if the keepalive is defined.
     */
    public abstract boolean keepaliveDefined();

    /**
     * Whether {@code ksm_csum} covers the whole message on this protocol: ksock header with {@code ksm_csum}
     * taken as 0, LNet header, payload (V2). Such a protocol checks a received non-zero checksum, and fills it
     * in on sends when {@code enable_csum} is set. V3 and later kernels never put a checksum on the wire, and V1
     * has no ksock header.
     *
     * @return true on V2.
     */
    public abstract boolean carriesChecksum();

    /**
     * Whether a received non-zero {@code ksm_csum} is checked over the payload alone, as V3 kernels do: their
     * receive path adds only bytes that land in page buffers, so neither header counts, and a NOOP carrying a
     * checksum checks against the empty sum ({@code 0xFFFFFFFF}). Such a protocol never fills one in itself.
     *
     * @return true on V3.
     */
    public boolean checksumsPayloadOnly()
    {
        return false;
    }

    /**
     * Write the ksock header of a send (nothing for V1) in the connection's byte order.
     *
     * @param tx     the send, its cookies final.
     * @param buffer where the header goes.
     * @param offset offset of the header.
     * @param order  the connection's byte order.
     * @return bytes written.
     */
    public abstract int packFraming(Tx tx, MutableDirectBuffer buffer, int offset, ByteOrder order);

    /**
     * Queue an LNET message on a connection, letting it take over a waiting ACK NOOP where the protocol
     * allows ({@code pro_queue_tx_msg}).
     *
     * @param queue the connection's queue.
     * @param msg   the message.
     * @return a displaced NOOP to recycle, or null.
     */
    public abstract Tx queueMessage(TxQueue queue, Tx msg);

    /**
     * Queue one ZC-ACK NOOP on a connection of the given type, piggybacking or batching where the protocol
     * allows ({@code pro_queue_tx_zcack}).
     *
     * @param queue   the connection's queue.
     * @param ctype   the connection's type from this side.
     * @param ackNoop a NOOP holding the cookie in {@code [1]}.
     * @return true if the NOOP was absorbed and should be recycled, false if it was queued.
     */
    public abstract boolean queueAck(TxQueue queue, int ctype, Tx ackNoop);

    /**
     * How well a connection of type {@code ctype} suits a send ({@code pro_match_tx}).
     *
     * @param ctype       the connection's type from this side.
     * @param nob         bytes of the send on the wire, framing and headers included.
     * @param nonBlocking whether the send is a ZC-ACK or keepalive that must not queue behind bulk data.
     * @param minBulk     the {@code min_bulk} threshold.
     * @return {@link #MATCH_NO}, {@link #MATCH_MAYBE} or {@link #MATCH_YES}.
     */
    public abstract int match(int ctype, int nob, boolean nonBlocking, int minBulk);

    /**
     * Connection choice of V1 and V2 ({@code ksocknal_match_tx}): by size alone, small messages on CONTROL,
     * from {@code minBulk} on BULK_OUT, an untyped connection for everything.
     *
     * @param ctype   the connection's type from this side.
     * @param nob     bytes of the send on the wire.
     * @param minBulk the {@code min_bulk} threshold.
     * @return {@link #MATCH_NO}, {@link #MATCH_MAYBE} or {@link #MATCH_YES}.
     */
    protected static int matchBySize(final int ctype, final int nob, final int minBulk)
    {
        switch (ctype)
        {
            case SOCKLND_CONN_ANY:
                return MATCH_YES;
            case SOCKLND_CONN_BULK_IN:
                return MATCH_MAYBE;
            case SOCKLND_CONN_BULK_OUT:
                return nob < minBulk ? MATCH_MAYBE : MATCH_YES;
            case SOCKLND_CONN_CONTROL:
                return nob >= minBulk ? MATCH_MAYBE : MATCH_YES;
            default:
                return MATCH_NO;
        }
    }

    /**
     * The connection type the passive side takes for the active side's type ({@code ksocknal_invert_type}).
     *
     * @param ctype the type announced by the active side.
     * @return the inverse, or {@code SOCKLND_CONN_NONE} for a value outside the known types.
     */
    public static int invertType(final int ctype)
    {
        switch (ctype)
        {
            case SOCKLND_CONN_ANY:
            case SOCKLND_CONN_CONTROL:
                return ctype;
            case SOCKLND_CONN_BULK_IN:
                return SOCKLND_CONN_BULK_OUT;
            case SOCKLND_CONN_BULK_OUT:
                return SOCKLND_CONN_BULK_IN;
            default:
                return SOCKLND_CONN_NONE;
        }
    }

    public String toString()
    {
        return "V" + version();
    }
}
