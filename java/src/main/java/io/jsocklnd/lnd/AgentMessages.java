package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.ConnTypes;
import io.jsocklnd.wire.Nid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteOrder;

/**
 * Control messages between the conductor and an IO agent (control path: allocation is fine here).
 */
final class AgentMessages
{
    private static final Logger LOG = LoggerFactory.getLogger(AgentMessages.class);

    private AgentMessages()
    {
    }

    /**
     * A message from the conductor to the IO agent.
     */
    sealed interface ToIo permits Attach, ClosePeer, ConnectFailed
    {
        /**
         * Hand the message to the method of the IO agent that takes it.
         *
         * @param io the receiving agent.
         */
        void deliverTo(IoAgent io);

        /**
         * The IO agent is closing and will not take this message: release what it holds.
         */
        default void discard()
        {
        }
    }

    /**
     * A message from the IO agent to the conductor.
     */
    sealed interface ToConductor permits ConnectRequest, Closed
    {
        /**
         * Hand the message to the method of the conductor that takes it.
         *
         * @param conductor the receiving agent.
         */
        void deliverTo(Conductor conductor);
    }

    /** Conductor to IO: a connection passed its hello exchange; the IO agent owns the socket from now. */
    static final class Attach implements ToIo
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

        public void deliverTo(final IoAgent io)
        {
            io.onAttach(this);
        }

        public void discard()
        {
            LOG.info("conn#{} {} {} {}: closed before use: node shutting down", connectionId, Nid.toString(peerNid),
                ConnTypes.name(ctype), Addresses.text(remoteAddress));
            closeSocket();
        }

        /**
         * Close the socket of a connection that never went into service.
         */
        void closeSocket()
        {
            try
            {
                socket.close();
            }
            catch (final NativeIoException ex)
            {
                LOG.warn("conn#{}: close failed: {}", connectionId, ex.getMessage());
            }
        }
    }

    /** Conductor to IO: close every connection to a peer (it restarted, or its protocol changed). */
    static final class ClosePeer implements ToIo
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

        public void deliverTo(final IoAgent io)
        {
            io.onClosePeer(this);
        }
    }

    /** Conductor to IO: connecting to a peer failed for good; fail what waits for it. */
    static final class ConnectFailed implements ToIo
    {
        final long peerNid;

        ConnectFailed(final long peerNid)
        {
            this.peerNid = peerNid;
        }

        public void deliverTo(final IoAgent io)
        {
            io.onConnectFailed(this);
        }
    }

    /** IO to conductor: sends wait for a peer that has no usable connection. */
    static final class ConnectRequest implements ToConductor
    {
        final long peerNid;
        final int peerPid;

        ConnectRequest(final long peerNid, final int peerPid)
        {
            this.peerNid = peerNid;
            this.peerPid = peerPid;
        }

        public void deliverTo(final Conductor conductor)
        {
            conductor.onConnectRequest(this);
        }
    }

    /** IO to conductor: a connection closed. */
    static final class Closed implements ToConductor
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

        public void deliverTo(final Conductor conductor)
        {
            conductor.onClosed(this);
        }
    }
}
