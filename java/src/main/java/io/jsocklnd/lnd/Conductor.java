package io.jsocklnd.lnd;

import io.jsocklnd.lnd.ConnectScheduler.Retry;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Epoll;
import io.jsocklnd.nativeio.EpollEventArrayFlyweight;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.AcceptorRequestFlyweight;
import io.jsocklnd.wire.ConnTypes;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.LNET_ACCEPTOR_MAX_RESERVED_PORT;
import static io.jsocklnd.wire.WireConstants.LNET_ACCEPTOR_MIN_RESERVED_PORT;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION_16;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_MAGIC;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;

/**
 * The control-plane agent: the acceptor, both sides of the hello exchange, admission (the race rule,
 * incarnations, duplicates), connection scheduling with backoff, and the hand-over of established
 * connections to the IO agent. Owns the peer records; every field is owned by its thread.
 */
final class Conductor implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int EVENTS = 64;
    private static final int ACCEPTS_PER_CYCLE = 16;
    private static final long LISTENER_ID = 0;
    private static final long HOUSEKEEPING_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long REFUSAL_LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private static final int ACTIVE_CONNECT = 1;
    private static final int ACTIVE_SEND_HELLO = 2;
    private static final int ACTIVE_READ_REPLY = 3;
    private static final int PASSIVE_READ_MAGIC = 10;
    private static final int PASSIVE_READ_CONNREQ = 11;
    private static final int PASSIVE_READ_HELLO = 12;
    private static final int PASSIVE_WRITE_REPLY = 13;

    private final NodeConfig config;
    private final long localNid;
    private final InetAddress localAddress;
    private final OneToOneConcurrentArrayQueue<AgentMessages.ToIo> toIo;
    private final OneToOneConcurrentArrayQueue<AgentMessages.ToConductor> fromIo;
    private final NanoClock clock;
    /** The time of the current duty cycle, read by the parts of the conductor. */
    private final CachedNanoClock cachedClock = new CachedNanoClock();
    private final Admission admission;
    private final ConnectScheduler scheduler;
    private final ConnectScheduler.Connector connector = this::startConnect;
    private final Epoll epoll;
    private final EpollEventArrayFlyweight events = EpollEventArrayFlyweight.allocate(EVENTS);
    private final Long2ObjectHashMap<Handshake> handshakes = new Long2ObjectHashMap<>();
    private final Outbox<AgentMessages.ToIo> outbox;
    private final HelloFlyweight hello = new HelloFlyweight();
    private final AcceptorRequestFlyweight connreq = new AcceptorRequestFlyweight();
    private final AtomicCounter accepted;
    private final AtomicCounter refusedInsecurePort;
    private final AtomicCounter refusedBadConnreq;
    private final AtomicCounter refusedWrongNid;
    private final AtomicCounter refusedBadHello;
    private final AtomicCounter refusedTimeout;
    private final AtomicCounter refusedVersion;
    private final AtomicCounter refusedIoError;
    private final AtomicCounter refusedFdLimit;
    private final AtomicCounter refusedNoMemory;
    /** Held open so that a connection can still be accepted and refused when the process is out of descriptors. */
    private NativeSocket spareFd;
    private long refusalsUnlogged;
    private long nextRefusalLogNs;
    private long nextHousekeepingNs;
    private NativeSocket listener;
    private long nextId = 1;
    private long nowNs;

    /**
     * Create the conductor and its listening socket; called by the node before start.
     *
     * @param config     node settings.
     * @param toIo       established connections and peer commands.
     * @param fromIo     closed connections and connect requests.
     * @param clock      time source.
     * @param counterSet counters this agent allocates.
     * @throws NativeIoException if the listening socket cannot be set up.
     */
    public Conductor(
        final NodeConfig config,
        final OneToOneConcurrentArrayQueue<AgentMessages.ToIo> toIo,
        final OneToOneConcurrentArrayQueue<AgentMessages.ToConductor> fromIo,
        final NanoClock clock,
        final CounterSet counterSet) throws NativeIoException
    {
        this.config = config;
        this.localNid = config.nid();
        this.localAddress = ipv4(Nid.addr(localNid));
        this.toIo = toIo;
        this.fromIo = fromIo;
        this.clock = clock;
        this.admission = new Admission(config);
        this.epoll = Epoll.open();
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
        scheduler = new ConnectScheduler(config, admission, counterSet, cachedClock);
        outbox = new Outbox<>(toIo, counterSet.allocate("conductor to_io_queue_full"));

        if (config.simulatedHelloLatencyNs() > 0)
        {
            LOG.warn("{}: simulated hello latency {} us: every hello written is held back (test only)",
                Nid.toString(localNid), config.simulatedHelloLatencyNs() / 1000);
        }
        if (config.acceptMode() != NodeConfig.AcceptMode.NONE)
        {
            listener = NativeSocket.openTcp(NativeConstants.AF_INET);
            try
            {
                listener.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_REUSEADDR, 1);
                listener.bind(new InetSocketAddress(localAddress, config.port()));
                listener.listen(127);
                epoll.add(listener.fd(), NativeConstants.EPOLLIN, LISTENER_ID);
                spareFd = NativeSocket.openTcp(NativeConstants.AF_INET);
            }
            catch (final NativeIoException ex)
            {
                listener.close();
                epoll.close();
                throw ex;
            }
            LOG.info("{}: listening on {}:{} accept={}", Nid.toString(localNid), localAddress.getHostAddress(),
                config.port(), config.acceptMode());
        }
    }

    private static InetAddress ipv4(final int addr)
    {
        try
        {
            return InetAddress.getByAddress(new byte[]{
                (byte)(addr >>> 24), (byte)(addr >>> 16), (byte)(addr >>> 8), (byte)addr});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public String roleName()
    {
        return "jsocklnd-conductor";
    }

    public int doWork()
    {
        nowNs = clock.nanoTime();
        cachedClock.update(nowNs);
        int work = outbox.drain();
        work += drainIo();
        work += pollSockets();
        work += releaseDelayedWrites();
        work += expireHandshakes();
        work += scheduler.scheduleConnects(connector);
        if (nowNs - nextHousekeepingNs >= 0)
        {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            work += scheduler.forgetIdleRecords();
            logRefusals();
        }
        return work;
    }

    public void onClose()
    {
        AgentMessages.ToIo message;
        while ((message = outbox.takeUnsent()) != null)
        {
            message.discard();
        }
        if (null != spareFd)
        {
            closeQuietly(spareFd);
        }
        for (final Handshake h : new ArrayList<>(handshakes.values()))
        {
            handshakes.remove(h.id);
            endAccepting(h);
            releaseAdmission(h);
            LOG.info("{}: abandoned: node shutting down", h);
            closeQuietly(h);
        }
        try
        {
            if (null != listener)
            {
                listener.close();
            }
            epoll.close();
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("close failed: {}", ex.getMessage());
        }
    }

    private int drainIo()
    {
        int work = 0;
        AgentMessages.ToConductor message;
        while ((message = fromIo.poll()) != null)
        {
            work++;
            message.deliverTo(this);
        }
        return work;
    }

    void onConnectRequest(final AgentMessages.ConnectRequest request)
    {
        scheduler.onConnectRequest(request.peerNid, request.peerPid);
    }

    void onClosed(final AgentMessages.Closed closed)
    {
        scheduler.onClosed(closed.peerNid, closed.ctype, closed.errno, closed.wholePeer);
    }

    private int pollSockets()
    {
        final int n;
        try
        {
            n = epoll.epollWait(events, 0);
        }
        catch (final NativeIoException ex)
        {
            LOG.error("epoll_wait failed: {}", ex.getMessage());
            return 0;
        }
        for (int i = 0; i < n; i++)
        {
            final long id = events.data(i);
            if (id == LISTENER_ID)
            {
                acceptAll();
            }
            else
            {
                final Handshake h = handshakes.get(id);
                if (null != h)
                {
                    if (h.state == Handshake.DELAYED)
                    {
                        // A delayed write asks for no events: this is an error or hang-up, which the write shows.
                        h.writeAtNs = nowNs;
                    }
                    progress(h);
                }
            }
        }
        return n;
    }

    private int expireHandshakes()
    {
        if (handshakes.isEmpty())
        {
            return 0;
        }
        List<Handshake> expired = null;
        for (final Handshake h : handshakes.values())
        {
            if (nowNs - h.deadlineNs > 0)
            {
                if (null == expired)
                {
                    expired = new ArrayList<>();
                }
                expired.add(h);
            }
        }
        if (null == expired)
        {
            return 0;
        }
        for (final Handshake h : expired)
        {
            if (h.active)
            {
                failActive(h, Errno.ETIMEDOUT, "hello exchange not finished in time", Retry.BACK_OFF);
            }
            else
            {
                refusedTimeout.incrementOrdered();
                abandon(h, "hello exchange not finished in time", Errno.ETIMEDOUT);
            }
        }
        return expired.size();
    }

    /**
     * Remember what a successful hello showed about the peer's versions: an older one is kept for the next
     * connections, the newest clears what was learned.
     */
    private void learnVersion(final PeerRecord record, final int version, final long incarnation, final Handshake h)
    {
        if (version < config.protocolVersion())
        {
            if (record.learnedVersion != version)
            {
                LOG.info("{}: peer speaks V{}, using it for this peer from now on", h, version);
            }
            record.learnedVersion = version;
            record.learnedIncarnation = incarnation;
        }
        else
        {
            record.learnedVersion = 0;
            record.learnedIncarnation = 0;
        }
    }

    // ---------------------------------------------------------------- active side

    private boolean startConnect(final PeerRecord record, final int ctype, final int version)
    {
        final InetSocketAddress remote = new InetSocketAddress(ipv4(Nid.addr(record.nid)), config.port());
        int startPort = LNET_ACCEPTOR_MAX_RESERVED_PORT;
        while (true)
        {
            final NativeSocket socket;
            try
            {
                socket = NativeSocket.openTcp(NativeConstants.AF_INET);
            }
            catch (final NativeIoException ex)
            {
                LOG.warn("peer {}: cannot create socket: {}", record, ex.getMessage());
                return false;
            }

            final Handshake h = new Handshake(nextId++, true, socket, remote);
            h.record = record;
            h.ctype = ctype;
            h.version = version;
            record.activeInProgress++;
            handshakes.put(h.id, h);
            int port = 0;
            try
            {
                if (config.privilegedSourcePort())
                {
                    port = socket.bindPrivileged(localAddress, startPort);
                }
                else
                {
                    socket.bind(new InetSocketAddress(localAddress, 0));
                }
                epoll.add(socket.fd(), NativeConstants.EPOLLOUT, h.id);
                h.step = ACTIVE_CONNECT;
                h.state = Handshake.CONNECTING;
                h.deadlineNs = nowNs + config.sockTimeoutNs();
                if (socket.connect(remote))
                {
                    onConnected(h);
                }
                return true;
            }
            catch (final NativeIoException ex)
            {
                // Reusing a privileged port toward the same peer address gives EADDRNOTAVAIL at connect:
                // move on to the next port down, as the kernel's port loop does.
                if (ex.errno() == Errno.EADDRNOTAVAIL && config.privilegedSourcePort() &&
                    port > LNET_ACCEPTOR_MIN_RESERVED_PORT)
                {
                    handshakes.remove(h.id);
                    record.activeInProgress--;
                    closeQuietly(h);
                    startPort = port - 1;
                    continue;
                }
                failActive(h, ex.errno(), "connect failed: " + ex.getMessage(), Retry.BACK_OFF);
                return true;
            }
        }
    }

    private void onConnected(final Handshake h) throws NativeIoException
    {
        h.local = h.socket.localAddress();
        final UnsafeBuffer b = h.buffer;
        int length = AcceptorRequestFlyweight.encodeV1(b, 0, h.record.nid, LE);
        hello.wrapForEncode(b, length, Handshake.BUFFER_CAPACITY - length, h.version, LE)
            .srcNid(localNid)
            .dstNid(h.record.nid)
            .srcPid(config.pid())
            .dstPid(0)
            .srcIncarnation(config.incarnation())
            .dstIncarnation(0)
            .ctype(h.ctype)
            .nips(0);
        length += hello.length();
        beginWrite(h, ACTIVE_SEND_HELLO, length);
    }

    private void onReplyRead(final Handshake h)
    {
        final PeerRecord record = h.record;
        try
        {
            hello.wrap(h.buffer, 0, h.readEnd);
        }
        catch (final ProtocolException ex)
        {
            refusedByClose(h, Errno.EPROTO, "bad hello reply: " + ex.getMessage());
            return;
        }

        final int replyVersion = hello.version();
        final int replyType = hello.ctype();
        final long incarnation = hello.srcIncarnation();
        final Admission.Decision decision = admission.reply(
            record, h.version, h.ctype, hello.srcNid(), hello.srcPid(), replyVersion, replyType, incarnation);
        if (replyType == SOCKLND_CONN_NONE)
        {
            record.refusedByPeer.incrementOrdered();
        }
        switch (decision.verdict())
        {
            case RETRY_LATER:
                failActive(h, Errno.EALREADY, "peer refused the connection, retry later", Retry.LATER);
                return;

            case FALL_BACK:
                record.learnedVersion = decision.version();
                record.learnedIncarnation = incarnation;
                record.versionFallbacks.incrementOrdered();
                failActive(h, Errno.EPROTO, "peer refused V" + h.version + " and speaks V" + replyVersion +
                    ": falling back to V" + replyVersion, Retry.NOW);
                return;

            case UNSUPPORTED_VERSION:
                failActive(h, Errno.EPROTO, (replyType == SOCKLND_CONN_NONE ? "peer proposes unsupported version=" :
                    "reply in unsupported version=") + replyVersion, Retry.BACK_OFF);
                return;

            case WRONG_PEER:
                failActive(h, Errno.EPROTO, "peer claimed to be " + Nid.toString(hello.srcNid()) + " pid=" +
                    Integer.toUnsignedString(hello.srcPid()) + ", expected " + record + " pid=" +
                    Integer.toUnsignedString(record.pid), Retry.BACK_OFF);
                return;

            case WRONG_TYPE:
                failActive(h, Errno.EPROTO, "reply ctype=" + ConnTypes.name(replyType) + " is not the inverse of " +
                    ConnTypes.name(h.ctype), Retry.BACK_OFF);
                return;

            case RESTARTED:
                // A peer found to speak only an older version has restarted: it may be newer now, so the newest
                // version is tried again (an old peer refuses it and the fallback repeats).
                record.versionResets.incrementOrdered();
                record.learnedVersion = 0;
                record.learnedIncarnation = 0;
                if (decision.closesPeer())
                {
                    record.refusedStale.incrementOrdered();
                    outbox.send(new AgentMessages.ClosePeer(record.nid, Errno.ESTALE, "peer restarted"));
                    record.version = 0;
                }
                record.incarnation = incarnation;
                failActive(h, Errno.ESTALE, "peer restarted since it was found to speak V" + h.version +
                    ": trying V" + decision.version() + " again", Retry.NOW);
                return;

            case STALE:
                record.refusedStale.incrementOrdered();
                outbox.send(
                    new AgentMessages.ClosePeer(record.nid, Errno.ESTALE, "peer restarted or changed protocol"));
                record.incarnation = incarnation;
                record.version = 0;
                failActive(h, Errno.ESTALE, "peer restarted: incarnation changed", Retry.NOW);
                return;

            case DUPLICATE:
                record.refusedDuplicate.incrementOrdered();
                failActive(h, Errno.EALREADY, "duplicate " + ConnTypes.name(h.ctype) + " connection", Retry.LATER);
                return;

            default:
                break;
        }

        record.pid = hello.srcPid();
        record.incarnation = incarnation;
        record.version = replyVersion;
        learnVersion(record, replyVersion, incarnation, h);
        scheduler.onConnected(record);
        record.activeInProgress--;
        final SocklndProtocol proto = Protocols.forVersion(replyVersion);
        handOver(h, record, h.ctype, proto, hello.byteOrder(), hello.srcPid(), incarnation);
    }

    /**
     * The peer ended the hello exchange without a hello we understand: an old node that does not know the
     * version sent closes the connection (a V1 node on any V2/V3 hello). With no connection to that peer yet,
     * the next attempt goes out at once one version older (V3, V2, V1) and that version is kept for it.
     */
    private void refusedByClose(final Handshake h, final int errno, final String reason)
    {
        final Admission.Decision decision = admission.closedOnHello(h.record, h.version);
        switch (decision.verdict())
        {
            case RETRY_LATER:
                failActive(h, errno, reason, Retry.LATER);
                break;

            case FALL_BACK:
                h.record.learnedVersion = decision.version();
                h.record.learnedIncarnation = 0;
                h.record.versionFallbacks.incrementOrdered();
                failActive(h, errno, reason + ": V" + h.version + " refused, falling back to V" + decision.version(),
                    Retry.NOW);
                break;

            default:
                failActive(h, errno, reason, Retry.BACK_OFF);
                break;
        }
    }

    private void failActive(final Handshake h, final int errno, final String reason, final Retry retry)
    {
        final PeerRecord record = h.record;
        if (handshakes.remove(h.id) == null)
        {
            return;
        }
        record.activeInProgress--;
        closeQuietly(h);

        if (retry == Retry.BACK_OFF)
        {
            LOG.warn("{}: {} rc={}", h, reason, -errno);
        }
        else
        {
            LOG.info("{}: {} rc={}", h, reason, -errno);
        }
        if (scheduler.onAttemptFailed(record, retry))
        {
            outbox.send(new AgentMessages.ConnectFailed(record.nid));
        }
    }

    // ---------------------------------------------------------------- passive side

    private void acceptAll()
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

            accepted.incrementOrdered();
            final int port = remote.getPort();
            if (config.acceptMode() == NodeConfig.AcceptMode.SECURE &&
                (port < LNET_ACCEPTOR_MIN_RESERVED_PORT || port > LNET_ACCEPTOR_MAX_RESERVED_PORT))
            {
                refusedInsecurePort.incrementOrdered();
                LOG.warn("accept from {}: refused: insecure port={} rc={}", Addresses.text(remote), port, -Errno.EACCES);
                closeQuietly(socket);
                continue;
            }

            final Handshake h;
            try
            {
                h = new Handshake(nextId++, false, socket, remote);
            }
            catch (final OutOfMemoryError ex)
            {
                refusedNoMemory.incrementOrdered();
                refusalsUnlogged++;
                closeQuietly(socket);
                continue;
            }
            handshakes.put(h.id, h);
            h.step = PASSIVE_READ_MAGIC;
            h.expectRead(4, nowNs + config.acceptTimeoutNs());
            try
            {
                h.local = socket.localAddress();
                epoll.add(socket.fd(), NativeConstants.EPOLLIN, h.id);
            }
            catch (final NativeIoException ex)
            {
                abandon(h, "epoll add failed: " + ex.getMessage(), ex.errno());
                continue;
            }
            progress(h);
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
        closeQuietly(spareFd);
        spareFd = null;
        try
        {
            final NativeSocket socket = listener.accept();
            if (null != socket)
            {
                refusedFdLimit.incrementOrdered();
                refusalsUnlogged++;
                closeQuietly(socket);
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

    private void logRefusals()
    {
        if (refusalsUnlogged > 0 && nowNs - nextRefusalLogNs >= 0)
        {
            LOG.warn("{}: refused {} connection(s) before their hello: out of file descriptors ({} in all) or " +
                "memory ({} in all)", Nid.toString(localNid), refusalsUnlogged, refusedFdLimit.get(), refusedNoMemory.get());
            refusalsUnlogged = 0;
            nextRefusalLogNs = nowNs + REFUSAL_LOG_INTERVAL_NS;
        }
        if (null == spareFd && null != listener)
        {
            tryReopenSpare();
        }
    }

    private void onPassiveRead(final Handshake h) throws NativeIoException
    {
        final UnsafeBuffer b = h.buffer;
        switch (h.step)
        {
            case PASSIVE_READ_MAGIC:
            {
                final int magic = b.getInt(0, LE);
                if (magic == LNET_PROTO_ACCEPTOR_MAGIC || magic == Integer.reverseBytes(LNET_PROTO_ACCEPTOR_MAGIC))
                {
                    h.step = PASSIVE_READ_CONNREQ;
                    h.expectRead(AcceptorRequestFlyweight.PREFIX_LENGTH, h.deadlineNs);
                    return;
                }
                if (magic == LNET_PROTO_MAGIC || magic == Integer.reverseBytes(LNET_PROTO_MAGIC))
                {
                    refusedBadConnreq.incrementOrdered();
                    replyOldAcceptor(h, "hello without acceptor request");
                    return;
                }
                if (magic == LNET_PROTO_TCP_MAGIC && config.portalsCompatibility())
                {
                    // portals_compatibility: the acceptor hands the socket to the LND unread, and socklnd
                    // takes a V1 hello as it comes.
                    h.step = PASSIVE_READ_HELLO;
                    h.expectRead(HelloFlyweight.PREFIX_LENGTH, h.deadlineNs);
                    return;
                }
                refusedBadConnreq.incrementOrdered();
                abandon(h, (magic == LNET_PROTO_TCP_MAGIC ? "V1 hello without acceptor request" : "bad magic") +
                    ": magic=0x" + Integer.toHexString(magic), Errno.EPROTO);
                return;
            }

            case PASSIVE_READ_CONNREQ:
            {
                final ByteOrder order = AcceptorRequestFlyweight.detectByteOrder(b, 0, h.readEnd);
                final int version = b.getInt(AcceptorRequestFlyweight.ACR_VERSION_OFFSET, order);
                if (version != LNET_PROTO_ACCEPTOR_VERSION && version != LNET_PROTO_ACCEPTOR_VERSION_16)
                {
                    refusedBadConnreq.incrementOrdered();
                    replyOldAcceptor(h, "unknown acceptor version=" + version);
                    return;
                }
                final int need = version == LNET_PROTO_ACCEPTOR_VERSION ?
                    AcceptorRequestFlyweight.V1_LENGTH : AcceptorRequestFlyweight.V2_LENGTH;
                if (h.readEnd < need)
                {
                    h.expectRead(need, h.deadlineNs);
                    return;
                }
                connreq.wrap(b, 0, h.readEnd);
                final boolean ours = version == LNET_PROTO_ACCEPTOR_VERSION ?
                    connreq.nid4() == localNid : connreq.nid().isNid4() && connreq.nid().toNid4() == localNid;
                if (!ours)
                {
                    refusedWrongNid.incrementOrdered();
                    abandon(h, "no matching NI: nid=" +
                        (version == LNET_PROTO_ACCEPTOR_VERSION ? Nid.toString(connreq.nid4()) : connreq.nid().toString()),
                        Errno.EPERM);
                    return;
                }
                h.readEnd = 0;
                h.step = PASSIVE_READ_HELLO;
                h.expectRead(HelloFlyweight.PREFIX_LENGTH, h.deadlineNs);
                return;
            }

            case PASSIVE_READ_HELLO:
            {
                if (h.readEnd == HelloFlyweight.PREFIX_LENGTH && !checkHelloVersion(h))
                {
                    return;
                }
                final int required = HelloFlyweight.requiredLength(b, 0, h.readEnd);
                if (h.readEnd < required)
                {
                    h.expectRead(required, h.deadlineNs);
                    return;
                }
                onHelloRead(h);
                return;
            }

            default:
                throw new IllegalStateException("step=" + h.step);
        }
    }

    /**
     * Apply the admission decision on the first 8 bytes of a hello ({@link Admission#helloPrefix(int, int)}).
     * The NONE hello that proposes this node's version names this node's own NID as {@code kshm_dst_nid}, as
     * the kernel writes it.
     *
     * @return true if the rest of the hello is to be read.
     */
    private boolean checkHelloVersion(final Handshake h) throws NativeIoException
    {
        final UnsafeBuffer b = h.buffer;
        final int magic = b.getInt(0, LE);
        final int version = magic == LNET_PROTO_TCP_MAGIC ? HelloFlyweight.detectVersion(b, 0, h.readEnd) :
            b.getInt(HelloFlyweight.KSHM_VERSION_OFFSET, HelloFlyweight.detectByteOrder(b, 0, h.readEnd));
        final Admission.Decision decision = admission.helloPrefix(magic, version);
        switch (decision.verdict())
        {
            case NOT_UNDERSTOOD:
                refusedVersion.incrementOrdered();
                abandon(h, "hello magic=0x" + Integer.toHexString(magic) + " version=" + version +
                    " not understood by a V1 node, closing", Errno.EPROTO);
                return false;

            case PROPOSE_VERSION:
                refusedVersion.incrementOrdered();
                LOG.info("{}: refused: hello version={} not spoken here, proposing V{} rc={}", h, version,
                    decision.version(), -Errno.EPROTO);
                h.peerNid = 0;
                writeReply(h, decision.version(), SOCKLND_CONN_NONE, localNid, 0, 0, false);
                return false;

            default:
                return true;
        }
    }

    private void onHelloRead(final Handshake h) throws NativeIoException
    {
        try
        {
            hello.wrap(h.buffer, 0, h.readEnd);
        }
        catch (final ProtocolException ex)
        {
            refusedBadHello.incrementOrdered();
            abandon(h, ex.getMessage(), Errno.EPROTO);
            return;
        }

        final int version = hello.version();
        final long peerNid = hello.srcNid();
        final int peerPid = hello.srcPid();
        final long incarnation = hello.srcIncarnation();
        final int peerType = hello.ctype();
        final int ourType = SocklndProtocol.invertType(peerType);
        h.peerNid = peerNid;
        h.peerPid = peerPid;
        h.peerIncarnation = incarnation;
        h.peerVersion = version;
        h.peerOrder = hello.byteOrder();

        if (ourType == SOCKLND_CONN_NONE)
        {
            refusedBadHello.incrementOrdered();
            abandon(h, "bad hello: kshm_ctype=" + peerType, Errno.EPROTO);
            return;
        }

        final PeerRecord record = scheduler.recordOf(peerNid);
        h.record = record;
        h.accepting = true;
        record.accepting++;
        if (Admission.connecting(record))
        {
            record.helloCrossings.incrementOrdered();
        }
        final boolean loopback = h.remote.getAddress().equals(localAddress);
        switch (admission.hello(record, version, incarnation, ourType, loopback).verdict())
        {
            case RACE:
                record.refusedRace.incrementOrdered();
                LOG.info("{}: refused {}: connection race, lower NID while connecting to it rc={}", h,
                    ConnTypes.name(ourType), -Errno.EALREADY);
                writeReply(h, version, SOCKLND_CONN_NONE, peerNid, peerPid, incarnation, false);
                return;

            case STALE:
                record.refusedStale.incrementOrdered();
                LOG.info("{}: refused: peer restarted or changed protocol, closing its connections rc={}", h,
                    -Errno.ESTALE);
                outbox.send(new AgentMessages.ClosePeer(peerNid, Errno.ESTALE, "peer restarted or changed protocol"));
                record.incarnation = incarnation;
                record.version = 0;
                writeReply(h, version, SOCKLND_CONN_NONE, peerNid, peerPid, incarnation, false);
                return;

            case DUPLICATE:
                record.refusedDuplicate.incrementOrdered();
                LOG.info("{}: refused: duplicate {} connection rc={}", h, ConnTypes.name(ourType), -Errno.EALREADY);
                writeReply(h, version, SOCKLND_CONN_NONE, peerNid, peerPid, incarnation, false);
                return;

            default:
                break;
        }

        h.ctype = ourType;
        h.version = version;
        record.pid = peerPid;
        record.incarnation = incarnation;
        record.version = version;
        learnVersion(record, version, incarnation, h);
        record.connections[ourType]++;
        writeReply(h, version, ourType, peerNid, peerPid, incarnation, true);
    }

    private void writeReply(
        final Handshake h,
        final int version,
        final int ctype,
        final long peerNid,
        final int peerPid,
        final long peerIncarnation,
        final boolean attach) throws NativeIoException
    {
        hello.wrapForEncode(h.buffer, 0, Handshake.BUFFER_CAPACITY, version, LE)
            .srcNid(localNid)
            .dstNid(peerNid)
            .srcPid(config.pid())
            .dstPid(peerPid)
            .srcIncarnation(config.incarnation())
            .dstIncarnation(peerIncarnation)
            .ctype(ctype)
            .nips(0);
        h.attachAfterWrite = attach;
        beginWrite(h, PASSIVE_WRITE_REPLY, hello.length());
    }

    private void replyOldAcceptor(final Handshake h, final String reason) throws NativeIoException
    {
        LOG.warn("{}: refused: {}: answering as acceptor version 1 rc={}", h, reason, -Errno.EPROTO);
        final int length = AcceptorRequestFlyweight.encodeV1(h.buffer, 0, 0, LE);
        h.attachAfterWrite = false;
        beginWrite(h, PASSIVE_WRITE_REPLY, length);
    }

    private void onPassiveWritten(final Handshake h)
    {
        endAccepting(h);
        if (!h.attachAfterWrite)
        {
            handshakes.remove(h.id);
            closeQuietly(h);
            return;
        }
        final SocklndProtocol proto = Protocols.forVersion(h.version);
        handOver(h, h.record, h.ctype, proto, h.peerOrder, h.peerPid, h.peerIncarnation);
    }

    // ---------------------------------------------------------------- both sides

    /**
     * Write the first {@code length} bytes of the handshake buffer, after the simulated hello latency if
     * one is set (the socket then waits with no events asked for, so only an error or hang-up wakes it).
     */
    private void beginWrite(final Handshake h, final int step, final int length) throws NativeIoException
    {
        h.step = step;
        final long latencyNs = config.simulatedHelloLatencyNs();
        if (latencyNs > 0)
        {
            h.delayWrite(0, length, nowNs + latencyNs, nowNs + latencyNs + config.acceptTimeoutNs());
            epoll.modify(h.socket.fd(), 0, h.id);
            return;
        }
        h.expectWrite(0, length, nowNs + config.acceptTimeoutNs());
        epoll.modify(h.socket.fd(), NativeConstants.EPOLLOUT, h.id);
        progress(h);
    }

    private int releaseDelayedWrites()
    {
        if (handshakes.isEmpty() || config.simulatedHelloLatencyNs() == 0)
        {
            return 0;
        }
        List<Handshake> due = null;
        for (final Handshake h : handshakes.values())
        {
            if (h.state == Handshake.DELAYED && nowNs - h.writeAtNs >= 0)
            {
                if (null == due)
                {
                    due = new ArrayList<>();
                }
                due.add(h);
            }
        }
        if (null == due)
        {
            return 0;
        }
        for (final Handshake h : due)
        {
            progress(h);
        }
        return due.size();
    }

    private void progress(final Handshake h)
    {
        try
        {
            for (int i = 0; i < 8 && handshakes.containsKey(h.id); i++)
            {
                if (!step(h))
                {
                    return;
                }
            }
        }
        catch (final ProtocolException ex)
        {
            if (h.active)
            {
                refusedByClose(h, Errno.EPROTO, "bad hello reply: " + ex.getMessage());
            }
            else
            {
                refusedBadHello.incrementOrdered();
                abandon(h, ex.getMessage(), Errno.EPROTO);
            }
        }
        catch (final NativeIoException ex)
        {
            if (h.active)
            {
                if ((ex.errno() == Errno.ECONNRESET || ex.errno() == Errno.EPIPE) &&
                    (h.step == ACTIVE_SEND_HELLO || h.step == ACTIVE_READ_REPLY))
                {
                    refusedByClose(h, ex.errno(), ex.getMessage());
                }
                else
                {
                    failActive(h, ex.errno(), ex.getMessage(), Retry.BACK_OFF);
                }
            }
            else
            {
                refusedIoError.incrementOrdered();
                abandon(h, ex.getMessage(), ex.errno());
            }
        }
    }

    /**
     * One step of I/O; true if it made progress and another may follow.
     */
    private boolean step(final Handshake h) throws NativeIoException
    {
        switch (h.state)
        {
            case Handshake.CONNECTING:
                if ((h.socket.poll(NativeConstants.POLLOUT, 0) & (NativeConstants.POLLOUT | NativeConstants.POLLERR |
                    NativeConstants.POLLHUP)) == 0)
                {
                    return false;
                }
                h.socket.finishConnect();
                onConnected(h);
                return false;

            case Handshake.DELAYED:
                if (nowNs - h.writeAtNs < 0)
                {
                    return false;
                }
                h.state = Handshake.WRITING;
                h.deadlineNs = nowNs + config.acceptTimeoutNs();
                epoll.modify(h.socket.fd(), NativeConstants.EPOLLOUT, h.id);
                return true;

            case Handshake.WRITING:
            {
                final int n = h.socket.send(
                    DirectMemory.address(h.buffer, h.writeStart), h.writeEnd - h.writeStart, 0);
                if (n == 0)
                {
                    return false;
                }
                h.writeStart += n;
                if (h.writeStart < h.writeEnd)
                {
                    return true;
                }
                if (h.active)
                {
                    h.step = ACTIVE_READ_REPLY;
                    h.readEnd = 0;
                    h.expectRead(HelloFlyweight.PREFIX_LENGTH, nowNs + config.sockTimeoutNs());
                    epoll.modify(h.socket.fd(), NativeConstants.EPOLLIN, h.id);
                    return true;
                }
                onPassiveWritten(h);
                return false;
            }

            case Handshake.READING:
            {
                final int n = h.socket.read(DirectMemory.address(h.buffer, h.readEnd), h.readTarget - h.readEnd);
                if (n == 0)
                {
                    return false;
                }
                if (n < 0)
                {
                    if (h.active)
                    {
                        refusedByClose(h, Errno.ECONNRESET, "peer closed the connection during the hello");
                    }
                    else
                    {
                        refusedBadHello.incrementOrdered();
                        abandon(h, "truncated: peer closed after " + h.readEnd + " bytes", Errno.EPROTO);
                    }
                    return false;
                }
                h.readEnd += n;
                if (h.readEnd < h.readTarget)
                {
                    return true;
                }
                if (h.active)
                {
                    final int required = HelloFlyweight.requiredLength(h.buffer, 0, h.readEnd);
                    if (h.readEnd < required)
                    {
                        h.expectRead(required, h.deadlineNs);
                        return true;
                    }
                    onReplyRead(h);
                    return false;
                }
                onPassiveRead(h);
                return true;
            }

            default:
                return false;
        }
    }

    private void handOver(
        final Handshake h,
        final PeerRecord record,
        final int ctype,
        final SocklndProtocol proto,
        final ByteOrder peerOrder,
        final int peerPid,
        final long incarnation)
    {
        handshakes.remove(h.id);
        try
        {
            epoll.remove(h.socket.fd());
            setupSocket(h.socket);
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("{}: socket setup failed: {} rc={}", h, ex.getMessage(), -ex.errno());
            if (!h.active)
            {
                record.connections[ctype]--;
            }
            closeQuietly(h);
            return;
        }
        if (h.active)
        {
            record.connections[ctype]++;
        }
        outbox.send(new AgentMessages.Attach(
            h.id, record.nid, peerPid, incarnation, h.socket, ctype, proto, peerOrder, h.local, h.remote));
    }

    private void setupSocket(final NativeSocket socket) throws NativeIoException
    {
        if (!config.nagle())
        {
            socket.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_NODELAY, 1);
        }
        socket.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_KEEPALIVE, 1);
        socket.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPIDLE, 30);
        socket.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPINTVL, 5);
        socket.setIntOption(NativeConstants.SOL_TCP, NativeConstants.TCP_KEEPCNT, 5);
        if (config.txBufferSize() > 0)
        {
            socket.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_SNDBUF, config.txBufferSize());
        }
        if (config.rxBufferSize() > 0)
        {
            socket.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_RCVBUF, config.rxBufferSize());
        }
        socket.setLinger(true, 0);
    }

    /**
     * End a passive hello exchange that failed, once: one log line with the reason, and the admission
     * (if it was admitted and its reply not yet written) given back.
     */
    private void abandon(final Handshake h, final String reason, final int errno)
    {
        if (handshakes.remove(h.id) == null)
        {
            return;
        }
        endAccepting(h);
        if (releaseAdmission(h))
        {
            LOG.warn("{}: failed after admission: {} rc={}", h, reason, -errno);
        }
        else
        {
            LOG.warn("{}: refused: {} rc={}", h, reason, -errno);
        }
        closeQuietly(h);
    }

    private void endAccepting(final Handshake h)
    {
        if (h.accepting)
        {
            h.accepting = false;
            h.record.accepting--;
            h.record.idleSinceNs = nowNs;
        }
    }

    /**
     * A passive connection counts toward its peer's connections from admission on; give the count back if
     * it never reaches the IO agent.
     */
    private boolean releaseAdmission(final Handshake h)
    {
        if (h.active || !h.attachAfterWrite)
        {
            return false;
        }
        h.attachAfterWrite = false;
        h.record.connections[h.ctype]--;
        return true;
    }

    private void closeQuietly(final Handshake h)
    {
        try
        {
            epoll.remove(h.socket.fd());
        }
        catch (final NativeIoException ignore)
        {
            // not registered yet, or already gone
        }
        closeQuietly(h.socket);
    }

    private static void closeQuietly(final NativeSocket socket)
    {
        try
        {
            socket.setLinger(true, 0);
        }
        catch (final NativeIoException ignore)
        {
            // a socket that cannot take the option is closed anyway
        }
        try
        {
            socket.close();
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("close failed: {}", ex.getMessage());
        }
    }
}
