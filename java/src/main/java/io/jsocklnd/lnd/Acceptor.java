package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.Epoll;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.LNET_ACCEPTOR_MAX_RESERVED_PORT;

/**
 * The listening socket ({@code lnet_acceptor}): accepts connections, refuses those from an insecure port
 * ({@code accept=secure}), and hands the others to the {@link HelloExchange}. When the process is out of
 * descriptors or memory it still takes each waiting connection and closes it at once, with a spare descriptor
 * held for that, counted and logged at most once a second. Owned by the conductor thread; logs under the
 * conductor's name, as the rest of the control plane.
 */
final class Acceptor
{
    /** The listening socket's id in the conductor's epoll set; hello exchanges are numbered from 1. */
    static final long EPOLL_ID = 0;

    private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);
    private static final int ACCEPTS_PER_CYCLE = 16;
    private static final long REFUSAL_LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    /**
     * What the passive side accepted and refused, by reason: counted by the acceptor and by the hello
     * exchange and admission that follow it. Allocated in this order, which is the order they are listed in.
     */
    static final class Counters
    {
        final AtomicCounter accepted;
        final AtomicCounter refusedInsecurePort;
        final AtomicCounter refusedBadConnreq;
        final AtomicCounter refusedWrongNid;
        final AtomicCounter refusedBadHello;
        final AtomicCounter refusedTimeout;
        final AtomicCounter refusedVersion;
        final AtomicCounter refusedIoError;
        final AtomicCounter refusedFdLimit;
        final AtomicCounter refusedNoMemory;

        Counters(final CounterSet counterSet)
        {
            accepted = counterSet.allocate("acceptor accepted");
            refusedInsecurePort = counterSet.allocate("acceptor refused_insecure_port");
            refusedBadConnreq = counterSet.allocate("acceptor refused_bad_connreq");
            refusedWrongNid = counterSet.allocate("acceptor refused_wrong_nid");
            refusedBadHello = counterSet.allocate("acceptor refused_bad_hello");
            refusedTimeout = counterSet.allocate("acceptor refused_timeout");
            refusedVersion = counterSet.allocate("acceptor refused_version");
            refusedIoError = counterSet.allocate("acceptor refused_io_error");
            refusedFdLimit = counterSet.allocate("acceptor refused_fd_limit");
            refusedNoMemory = counterSet.allocate("acceptor refused_no_memory");
        }
    }

    private final NodeConfig config;
    private final long localNid;
    private final NanoClock clock;
    private final Counters counters;
    private final HelloExchange exchange;
    /** Null when the node runs no acceptor ({@code accept=none}). */
    private final NativeSocket listener;
    /** Held open so that a connection can still be accepted and refused when the process is out of descriptors. */
    private NativeSocket spareFd;
    private long refusalsUnlogged;
    private long nextRefusalLogNs;

    /**
     * Open the listening socket on the node's address and port, unless the node runs no acceptor.
     *
     * @param config       node settings.
     * @param localAddress the node's IPv4 address.
     * @param epoll        the conductor's epoll set, where the listening socket waits under {@link #EPOLL_ID}.
     * @param clock        the conductor's time of the current duty cycle.
     * @param counters     the passive side's counters.
     * @param exchange     takes each connection accepted.
     * @throws NativeIoException if the listening socket cannot be set up (it is closed again).
     */
    Acceptor(
        final NodeConfig config,
        final InetAddress localAddress,
        final Epoll epoll,
        final NanoClock clock,
        final Counters counters,
        final HelloExchange exchange) throws NativeIoException
    {
        this.config = config;
        this.localNid = config.nid();
        this.clock = clock;
        this.counters = counters;
        this.exchange = exchange;
        if (config.acceptMode() == NodeConfig.AcceptMode.NONE)
        {
            listener = null;
            return;
        }
        listener = NativeSocket.openTcp(NativeConstants.AF_INET);
        try
        {
            listener.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_REUSEADDR, 1);
            listener.bind(new InetSocketAddress(localAddress, config.port()));
            listener.listen(127);
            epoll.add(listener.fd(), NativeConstants.EPOLLIN, EPOLL_ID);
            spareFd = NativeSocket.openTcp(NativeConstants.AF_INET);
        }
        catch (final NativeIoException ex)
        {
            listener.close();
            throw ex;
        }
        LOG.info("{}: listening on {}:{} accept={}", Nid.toString(localNid), localAddress.getHostAddress(),
            config.port(), config.acceptMode());
    }

    /**
     * Take the connections waiting on the listening socket, up to a bound per duty cycle.
     */
    void acceptAll()
    {
        for (int i = 0; i < ACCEPTS_PER_CYCLE; i++)
        {
            final NativeSocket socket;
            final InetSocketAddress remote;
            try
            {
                socket = listener.accept();
                if (null == socket)
                {
                    return;
                }
                remote = socket.remoteAddress();
            }
            catch (final NativeIoException ex)
            {
                if (ex.errno() == Errno.EMFILE || ex.errno() == Errno.ENFILE)
                {
                    refuseOutOfDescriptors();
                }
                else
                {
                    LOG.warn("accept failed: {}", ex.getMessage());
                }
                return;
            }

            counters.accepted.incrementOrdered();
            final int port = remote.getPort();
            // Only a port above the reserved range is insecure (lnet_acceptor): one below 512 is privileged too.
            if (config.acceptMode() == NodeConfig.AcceptMode.SECURE && port > LNET_ACCEPTOR_MAX_RESERVED_PORT)
            {
                counters.refusedInsecurePort.incrementOrdered();
                LOG.warn("accept from {}: refused: insecure port={} rc={}", Addresses.text(remote), port, -Errno.EACCES);
                HelloExchange.closeQuietly(socket);
                continue;
            }

            final Handshake h;
            try
            {
                h = exchange.newPassive(socket, remote);
            }
            catch (final OutOfMemoryError ex)
            {
                counters.refusedNoMemory.incrementOrdered();
                refusalsUnlogged++;
                HelloExchange.closeQuietly(socket);
                continue;
            }
            exchange.startPassive(h);
        }
    }

    /**
     * Housekeeping: log the refusals since the last line (at most once a second), and take a spare descriptor
     * again if there was none to be had.
     */
    void logRefusals()
    {
        final long nowNs = clock.nanoTime();
        if (refusalsUnlogged > 0 && nowNs - nextRefusalLogNs >= 0)
        {
            LOG.warn("{}: refused {} connection(s) before their hello: out of file descriptors ({} in all) or " +
                "memory ({} in all)", Nid.toString(localNid), refusalsUnlogged, counters.refusedFdLimit.get(),
                counters.refusedNoMemory.get());
            refusalsUnlogged = 0;
            nextRefusalLogNs = nowNs + REFUSAL_LOG_INTERVAL_NS;
        }
        if (null == spareFd && null != listener)
        {
            tryReopenSpare();
        }
    }

    /**
     * Close the spare descriptor and the listening socket.
     *
     * @throws NativeIoException if the listening socket fails to close.
     */
    void close() throws NativeIoException
    {
        if (null != spareFd)
        {
            HelloExchange.closeQuietly(spareFd);
            spareFd = null;
        }
        if (null != listener)
        {
            listener.close();
        }
    }

    /**
     * The process has no descriptor left for a new connection: give back the spare one, accept the waiting
     * connection with it and close it at once (the peer sees a reset before any hello), then take the spare
     * again. Counted; logged at most once a second.
     */
    private void refuseOutOfDescriptors()
    {
        if (null == spareFd)
        {
            // Nothing to refuse with: the connection waits in the backlog until a descriptor is free.
            tryReopenSpare();
            return;
        }
        HelloExchange.closeQuietly(spareFd);
        spareFd = null;
        try
        {
            final NativeSocket socket = listener.accept();
            if (null != socket)
            {
                counters.refusedFdLimit.incrementOrdered();
                refusalsUnlogged++;
                HelloExchange.closeQuietly(socket);
            }
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("accept failed: {}", ex.getMessage());
        }
        tryReopenSpare();
    }

    private void tryReopenSpare()
    {
        try
        {
            spareFd = NativeSocket.openTcp(NativeConstants.AF_INET);
        }
        catch (final NativeIoException ex)
        {
            spareFd = null;
        }
    }
}
