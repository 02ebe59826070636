package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.NativeSocket;

import java.net.InetSocketAddress;
import java.nio.ByteOrder;

/**
 * Control messages between the conductor and an IO agent (control path: allocation is fine here).
 */
final class EngineCommands
{
    private EngineCommands()
    {
    }

    /** Conductor to IO: a connection passed its hello exchange; the IO agent owns the socket from now. */
    static final class Attach
    {
        final long connectionId;
        final long peerNid;
        final int peerPid;
        final long incarnation;
        final NativeSocket socket;
        final int ctype;
        final SocklndProtocol proto;
        final ByteOrder order;
        final InetSocketAddress localAddress;
        final InetSocketAddress remoteAddress;

        Attach(
            final long connectionId,
            final long peerNid,
            final int peerPid,
            final long incarnation,
            final NativeSocket socket,
            final int ctype,
            final SocklndProtocol proto,
            final ByteOrder order,
            final InetSocketAddress localAddress,
            final InetSocketAddress remoteAddress)
        {
            this.connectionId = connectionId;
            this.peerNid = peerNid;
            this.peerPid = peerPid;
            this.incarnation = incarnation;
            this.socket = socket;
            this.ctype = ctype;
            this.proto = proto;
            this.order = order;
            this.localAddress = localAddress;
            this.remoteAddress = remoteAddress;
        }
    }

    /** Conductor to IO: close every connection to a peer (it restarted, or its protocol changed). */
    static final class ClosePeer
    {
        final long peerNid;
        final int errno;
        final String reason;

        ClosePeer(final long peerNid, final int errno, final String reason)
        {
            this.peerNid = peerNid;
            this.errno = errno;
            this.reason = reason;
        }
    }

    /** Conductor to IO: connecting to a peer failed for good; fail what waits for it. */
    static final class ConnectFailed
    {
        final long peerNid;

        ConnectFailed(final long peerNid)
        {
            this.peerNid = peerNid;
        }
    }

    /** IO to conductor: sends wait for a peer that has no usable connection. */
    static final class ConnectRequest
    {
        final long peerNid;
        final int peerPid;

        ConnectRequest(final long peerNid, final int peerPid)
        {
            this.peerNid = peerNid;
            this.peerPid = peerPid;
        }
    }

    /** IO to conductor: a connection closed. */
    static final class Closed
    {
        final long peerNid;
        final int ctype;
        final long connectionId;
        final int errno;
        /** Whether every connection to the peer is being closed with it (no point reconnecting at once). */
        final boolean wholePeer;

        Closed(final long peerNid, final int ctype, final long connectionId, final int errno, final boolean wholePeer)
        {
            this.peerNid = peerNid;
            this.ctype = ctype;
            this.connectionId = connectionId;
            this.errno = errno;
            this.wholePeer = wholePeer;
        }
    }
}
