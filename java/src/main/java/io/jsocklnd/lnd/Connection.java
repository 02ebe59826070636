package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.ProtocolException;

import java.nio.ByteOrder;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;

/**
 * One established socklnd connection, owned by an IO agent: who it is with and how it speaks, its timestamps and
 * whether it is closing, with its receive side ({@link RxMachine}) and its send side ({@link TxWriter}).
 */
final class Connection
{
    final long id;
    final Peer peer;
    final NativeSocket socket;
    final int ctype;
    final SocklndProtocol proto;
    /** Byte order of the peer's ksock headers, from its hello magic; ours are always little-endian. */
    final ByteOrder order;
    final String label;
    /** The peer's address, for log lines. */
    final String remote;
    final ConnectionCounters counters;
    final RxMachine rx;
    final TxWriter tx;

    boolean closing;
    /** Marked for the agent's next flush, in its list of such connections. */
    boolean dirty;
    long lastRxNs;
    long lastTxProgressNs;
    /**
     * Bytes in the socket's send queue as last read ({@code SIOCOUTQ}) plus those written since
     * ({@code ksnc_tx_bufnob}); 0 means the queue was last seen empty and nothing was written since.
     */
    long socketQueued;
    /** When a send last chose this connection, in the agent's count of choices: ties go to the oldest. */
    long lastChosen;
    /** When it went into service, among the agent's connections (its place in {@link Node#connections()}). */
    long establishedOrder;

    /**
     * @param id        the connection's id.
     * @param peer      the peer.
     * @param socket    the established socket.
     * @param ctype     the connection type from this side.
     * @param proto     the protocol agreed in the hello.
     * @param order     byte order of the peer's ksock headers.
     * @param counters  the connection's counters.
     * @param remote    the peer's address, for log lines.
     * @param nowNs     the time.
     * @param rxHandler the agent, for the receive side.
     * @param txHandler the agent, for the send side.
     * @param settings  the agent's send settings.
     * @param scratch   the agent's write scratch.
     */
    Connection(
        final long id,
        final Peer peer,
        final NativeSocket socket,
        final int ctype,
        final SocklndProtocol proto,
        final ByteOrder order,
        final ConnectionCounters counters,
        final String remote,
        final long nowNs,
        final RxMachine.Handler rxHandler,
        final TxWriter.Handler txHandler,
        final TxWriter.Settings settings,
        final TxWriter.Scratch scratch)
    {
        this.id = id;
        this.peer = peer;
        this.socket = socket;
        this.ctype = ctype;
        this.proto = proto;
        this.order = order;
        this.counters = counters;
        this.label = counters.label();
        this.remote = remote;
        this.lastRxNs = nowNs;
        this.lastTxProgressNs = nowNs;
        this.rx = new RxMachine(this, rxHandler, socket::read, proto, order, counters, peer);
        this.tx = new TxWriter(this, txHandler, settings, scratch);
    }

    /**
     * Wire size used to match a send to a connection type ({@code tx_nob}).
     */
    int matchSize(final EngineTx tx)
    {
        final int lnet = tx.type() == KSOCK_MSG_LNET ? LnetHeaderFlyweight.LENGTH + tx.payloadLength : 0;
        return proto.framingLength() + lnet;
    }

    /**
     * Read what the socket has through the receive side; the peer is alive if anything came.
     *
     * @param nowNs the time.
     * @return work count.
     * @throws NativeIoException on a socket error.
     * @throws ProtocolException on bad bytes from the peer.
     * @throws ConnectionClosedException when the peer closed the stream.
     */
    int onReadable(final long nowNs) throws NativeIoException
    {
        final int work = rx.onReadable(nowNs);
        if (work > 0)
        {
            lastRxNs = nowNs;
            peer.lastAliveNs = nowNs;
        }
        return work;
    }

    /**
     * Read the socket's send queue when it may hold bytes. Less than {@link #socketQueued} means the peer
     * acknowledged bytes: the send side progressed and the peer is alive, as the kernel infers from its
     * socket's queued bytes shrinking (§9). A failed read counts as empty: the socket's error surfaces on
     * its next read or write.
     *
     * @param nowNs the time.
     * @return the bytes still queued in the socket.
     */
    long refreshSocketQueued(final long nowNs)
    {
        if (0 == socketQueued)
        {
            return 0;
        }
        long queued;
        try
        {
            queued = socket.sendQueueBytes();
        }
        catch (final NativeIoException ex)
        {
            queued = 0;
        }
        if (queued < socketQueued)
        {
            lastTxProgressNs = nowNs;
            peer.lastAliveNs = nowNs;
        }
        socketQueued = queued;
        return queued;
    }

    public String toString()
    {
        return label + " " + remote;
    }
}
