package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Epoll;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.AcceptorRequestFlyweight;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.LNET_ACCEPTOR_MAX_RESERVED_PORT;
import static io.jsocklnd.wire.WireConstants.LNET_ACCEPTOR_MIN_RESERVED_PORT;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION_16;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_USERFLAG;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_MAGIC;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;

/**
 * The hello exchanges of the connections being set up, both sides, each a {@link Handshake} driven without
 * blocking against its deadline. Active: TCP connect from a privileged port, the acceptor request and the hello
 * out, the reply in. Passive: the acceptor request (or, with portals compatibility, a bare V1 hello) and the
 * hello in, the reply out. Partial reads and writes go on at the next readiness event; a hello written may be
 * held back by the simulated hello latency (tests only).
 * <p>
 * What becomes of a connection is not decided here: the first bytes of a hello, a whole hello, a reply and the
 * ways an exchange fails go to the {@link Handler}, which applies the {@link Admission} rules and answers with
 * {@link #writeReply}, {@link #abandon}, {@link #end} or {@link #release}. An exchange holds its claims on its
 * peer's record (an active one in {@code activeInProgress}, a passive one in {@code accepting} and, once
 * admitted, in the connection count) until it leaves here. Owned by the conductor thread; logs under the
 * conductor's name, as the rest of the control plane.
 */
final class HelloExchange implements ConnectScheduler.Connector
{
    /**
     * What the exchange reports; each method runs on the conductor thread, within the exchange's own I/O.
     */
    interface Handler
    {
        /**
         * Passive: the first 8 bytes of a hello are in.
         *
         * @param h       the exchange.
         * @param magic   {@code kshm_magic} as read little-endian.
         * @param version the hello's version ({@code KSOCK_PROTO_V1} for the V1 magic).
         * @return true to read the rest of the hello; false once the exchange was abandoned or a reply begun.
         * @throws NativeIoException if a reply cannot be begun.
         */
        boolean onHelloPrefix(Handshake h, int magic, int version) throws NativeIoException;

        /**
         * Passive: a whole hello is in, its fields in {@code h.peer*}: answer it ({@link #writeReply}) or
         * {@link #abandon} the exchange.
         *
         * @param h       the exchange.
         * @param ourType the type this side takes, the inverse of the hello's (never NONE).
         * @throws NativeIoException if the reply cannot be begun.
         */
        void onHello(Handshake h, int ourType) throws NativeIoException;

        /**
         * Passive: the reply that admits the connection is written; {@link #release} it.
         *
         * @param h the exchange.
         */
        void onAdmitted(Handshake h);

        /**
         * Active: the peer's reply is in: {@link #release} the connection or {@link #end} the exchange.
         *
         * @param h     the exchange.
         * @param reply the reply, wrapped.
         */
        void onReply(Handshake h, HelloFlyweight reply);

        /**
         * Active: the peer ended the exchange without a hello understood here (it closed or reset the
         * connection, or answered with something else); {@link #end} the exchange.
         *
         * @param h      the exchange.
         * @param errno  how it ended.
         * @param reason log text.
         */
        void onClosedByPeer(Handshake h, int errno, String reason);

        /**
         * Active: the exchange failed (connect, I/O error, deadline); {@link #end} it.
         *
         * @param h      the exchange.
         * @param errno  how it failed.
         * @param reason log text.
         */
        void onFailed(Handshake h, int errno, String reason);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

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
    private final Epoll epoll;
    private final NanoClock clock;
    private final Acceptor.Counters counters;
    private final Handler handler;
    private final Long2ObjectHashMap<Handshake> handshakes = new Long2ObjectHashMap<>();
    private final HelloFlyweight hello = new HelloFlyweight();
    private final AcceptorRequestFlyweight connreq = new AcceptorRequestFlyweight();
    private final Predicate<Handshake> writeDue = this::isWriteDue;
    private final Predicate<Handshake> pastDeadline = this::isPastDeadline;
    /** Ids in the conductor's epoll set, after the acceptor's {@link Acceptor#EPOLL_ID}; also the connection ids. */
    private long nextId = Acceptor.EPOLL_ID + 1;

    /**
     * @param config       node settings.
     * @param localAddress the node's IPv4 address, the source of active connections.
     * @param epoll        the conductor's epoll set, where each exchange waits under its id.
     * @param clock        the conductor's time of the current duty cycle.
     * @param counters     the passive side's counters.
     * @param handler      takes what the exchanges report.
     */
    HelloExchange(
        final NodeConfig config,
        final InetAddress localAddress,
        final Epoll epoll,
        final NanoClock clock,
        final Acceptor.Counters counters,
        final Handler handler)
    {
        this.config = config;
        this.localNid = config.nid();
        this.localAddress = localAddress;
        this.epoll = epoll;
        this.clock = clock;
        this.counters = counters;
        this.handler = handler;
        if (config.simulatedHelloLatencyNs() > 0)
        {
            LOG.warn("{}: simulated hello latency {} us: every hello written is held back (test only)",
                Nid.toString(localNid), config.simulatedHelloLatencyNs() / 1000);
        }
    }

    // ---------------------------------------------------------------- active side

    /**
     * Connect to a peer and send the acceptor request and a hello.
     */
    public boolean connect(final PeerRecord record, final int ctype, final int version)
    {
        final InetSocketAddress remote = new InetSocketAddress(Addresses.ipv4(Nid.addr(record.nid)), config.port());
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
                h.ioWait = Handshake.WAIT_CONNECT;
                h.deadlineNs = clock.nanoTime() + config.sockTimeoutNs();
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
                    end(h);
                    startPort = port - 1;
                    continue;
                }
                handler.onFailed(h, ex.errno(), "connect failed: " + ex.getMessage());
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
        try
        {
            hello.wrap(h.buffer, 0, h.readEnd);
        }
        catch (final ProtocolException ex)
        {
            handler.onClosedByPeer(h, Errno.EPROTO, "bad hello reply: " + ex.getMessage());
            return;
        }
        handler.onReply(h, hello);
    }

    // ---------------------------------------------------------------- passive side

    /**
     * A connection just accepted, not yet under way.
     *
     * @param socket the accepted socket.
     * @param remote the peer's address.
     * @return its exchange.
     */
    Handshake newPassive(final NativeSocket socket, final InetSocketAddress remote)
    {
        return new Handshake(nextId++, false, socket, remote);
    }

    /**
     * Start the passive exchange of a connection just accepted: the first read of its acceptor request must come
     * within the accept timeout, and so must each read after it.
     *
     * @param h from {@link #newPassive}.
     */
    void startPassive(final Handshake h)
    {
        handshakes.put(h.id, h);
        h.step = PASSIVE_READ_MAGIC;
        h.expectRead(4, clock.nanoTime() + config.acceptTimeoutNs());
        try
        {
            h.local = h.socket.localAddress();
            epoll.add(h.socket.fd(), NativeConstants.EPOLLIN, h.id);
        }
        catch (final NativeIoException ex)
        {
            abandon(h, "epoll add failed: " + ex.getMessage(), ex.errno());
            return;
        }
        progress(h);
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
                    h.expectRead(AcceptorRequestFlyweight.PREFIX_LENGTH, nextReadDeadlineNs());
                    return;
                }
                if (magic == LNET_PROTO_MAGIC || magic == Integer.reverseBytes(LNET_PROTO_MAGIC))
                {
                    counters.refusedBadConnreq.incrementOrdered();
                    replyOldAcceptor(h, "hello without acceptor request");
                    return;
                }
                if (magic == LNET_PROTO_TCP_MAGIC && config.portalsCompatibility())
                {
                    // portals_compatibility: the acceptor hands the socket to the LND unread, and socklnd
                    // takes a V1 hello as it comes.
                    h.step = PASSIVE_READ_HELLO;
                    h.expectRead(HelloFlyweight.PREFIX_LENGTH, nextReadDeadlineNs());
                    return;
                }
                counters.refusedBadConnreq.incrementOrdered();
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
                    counters.refusedBadConnreq.incrementOrdered();
                    replyOldAcceptor(h, "unknown acceptor version=" + version);
                    return;
                }
                final int need = version == LNET_PROTO_ACCEPTOR_VERSION ?
                    AcceptorRequestFlyweight.V1_LENGTH : AcceptorRequestFlyweight.V2_LENGTH;
                if (h.readEnd < need)
                {
                    h.expectRead(need, nextReadDeadlineNs());
                    return;
                }
                connreq.wrap(b, 0, h.readEnd);
                final boolean ours = version == LNET_PROTO_ACCEPTOR_VERSION ?
                    connreq.nid4() == localNid : connreq.nid().isNid4() && connreq.nid().toNid4() == localNid;
                if (!ours)
                {
                    counters.refusedWrongNid.incrementOrdered();
                    abandon(h, "no matching NI: nid=" +
                        (version == LNET_PROTO_ACCEPTOR_VERSION ? Nid.toString(connreq.nid4()) : connreq.nid().toString()),
                        Errno.EPERM);
                    return;
                }
                h.readEnd = 0;
                h.step = PASSIVE_READ_HELLO;
                h.expectRead(HelloFlyweight.PREFIX_LENGTH, nextReadDeadlineNs());
                return;
            }

            case PASSIVE_READ_HELLO:
            {
                if (h.readEnd == HelloFlyweight.PREFIX_LENGTH && !onHelloPrefix(h))
                {
                    return;
                }
                final int required = HelloFlyweight.requiredLength(b, 0, h.readEnd);
                if (h.readEnd < required)
                {
                    h.expectRead(required, nextReadDeadlineNs());
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
     * Each read of the passive side (the acceptor request's parts, then the hello's) has the accept timeout to
     * itself, as each {@code lnet_sock_read} of {@code lnet_accept} and {@code ksocknal_recv_hello} does.
     */
    private long nextReadDeadlineNs()
    {
        return clock.nanoTime() + config.acceptTimeoutNs();
    }

    /**
     * The first 8 bytes of a hello: its magic and version (a V1 hello's version fields are checked) for the
     * handler to decide on.
     */
    private boolean onHelloPrefix(final Handshake h) throws NativeIoException
    {
        final UnsafeBuffer b = h.buffer;
        final int magic = b.getInt(0, LE);
        final int version = magic == LNET_PROTO_TCP_MAGIC ? HelloFlyweight.detectVersion(b, 0, h.readEnd) :
            b.getInt(HelloFlyweight.KSHM_VERSION_OFFSET, HelloFlyweight.detectByteOrder(b, 0, h.readEnd));
        return handler.onHelloPrefix(h, magic, version);
    }

    private void onHelloRead(final Handshake h) throws NativeIoException
    {
        try
        {
            hello.wrap(h.buffer, 0, h.readEnd);
        }
        catch (final ProtocolException ex)
        {
            counters.refusedBadHello.incrementOrdered();
            abandon(h, ex.getMessage(), Errno.EPROTO);
            return;
        }

        final int peerType = hello.ctype();
        final int ourType = SocklndProtocol.invertType(peerType);
        h.peerNid = hello.srcNid();
        h.peerPid = hello.srcPid();
        h.peerIncarnation = hello.srcIncarnation();
        h.peerVersion = hello.version();
        h.peerOrder = hello.byteOrder();
        // The kernel answers from the hello it read, over which it writes only its own identity, the peer's NID
        // and the type (ksocknal_send_hello): kshm_dst_pid and kshm_dst_incarnation go back as they came, and
        // a V1 reply, whose hello never read them, carries 0.
        final boolean v1 = h.peerVersion == KSOCK_PROTO_V1;
        h.echoedDstPid = v1 ? 0 : hello.dstPid();
        h.echoedDstIncarnation = v1 ? 0 : hello.dstIncarnation();

        final String badIdentity = identify(h);
        if (null != badIdentity)
        {
            counters.refusedBadHello.incrementOrdered();
            abandon(h, "bad hello: " + badIdentity, Errno.EPROTO);
            return;
        }
        if (ourType == SOCKLND_CONN_NONE)
        {
            counters.refusedBadHello.incrementOrdered();
            abandon(h, "bad hello: kshm_ctype=" + peerType, Errno.EPROTO);
            return;
        }
        handler.onHello(h, ourType);
    }

    /**
     * The peer's identity from its hello, or what is wrong with it. A source NID that is {@code LNET_NID_ANY} is
     * refused ({@code ksocknal_recv_hello}). A peer on a port above the reserved range (only {@code accept=all}
     * lets one through) is a userspace process: its identity is made from the socket, PID = source port |
     * {@code LNET_PID_USERFLAG} and NID = source address on this node's network, whatever the hello says.
     * Otherwise the hello's source NID must be on this node's network and its PID must not be
     * {@code LNET_PID_ANY} (a kernel asserts on a peer with that PID).
     *
     * @return null if the identity in {@code h.peerNid}/{@code h.peerPid} stands, else the reason to refuse.
     */
    private String identify(final Handshake h)
    {
        if (h.peerNid == LNET_NID_ANY)
        {
            return "src_nid=LNET_NID_ANY";
        }
        final int port = h.remote.getPort();
        if (port > LNET_ACCEPTOR_MAX_RESERVED_PORT)
        {
            final byte[] ip = h.remote.getAddress().getAddress();
            final int addr = (ip[0] & 0xFF) << 24 | (ip[1] & 0xFF) << 16 | (ip[2] & 0xFF) << 8 | (ip[3] & 0xFF);
            h.peerNid = Nid.fromNet(Nid.net(localNid), addr);
            h.peerPid = port | LNET_PID_USERFLAG;
            return null;
        }
        if (Nid.net(h.peerNid) != Nid.net(localNid))
        {
            return "src_nid=" + Nid.toString(h.peerNid) + " not on this node's network " +
                Nid.netToString(Nid.net(localNid));
        }
        if (h.peerPid == LNET_PID_ANY)
        {
            return "src_pid=LNET_PID_ANY";
        }
        return null;
    }

    /**
     * Answer a passive hello: with a hello of this node, of the type taken (the connection is then released
     * to the handler once written), or of type NONE (the connection is closed once written).
     *
     * @param h              the exchange.
     * @param version        the reply's version.
     * @param ctype          the reply's type, NONE to refuse.
     * @param dstNid         {@code kshm_dst_nid}.
     * @param dstPid         {@code kshm_dst_pid}.
     * @param dstIncarnation {@code kshm_dst_incarnation}.
     * @param attach         whether the connection is admitted.
     * @throws NativeIoException if the write cannot be begun.
     */
    void writeReply(
        final Handshake h,
        final int version,
        final int ctype,
        final long dstNid,
        final int dstPid,
        final long dstIncarnation,
        final boolean attach) throws NativeIoException
    {
        hello.wrapForEncode(h.buffer, 0, Handshake.BUFFER_CAPACITY, version, LE)
            .srcNid(localNid)
            .dstNid(dstNid)
            .srcPid(config.pid())
            .dstPid(dstPid)
            .srcIncarnation(config.incarnation())
            .dstIncarnation(dstIncarnation)
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
        h.endAccepting(clock.nanoTime());
        if (!h.attachAfterWrite)
        {
            end(h);
            return;
        }
        handler.onAdmitted(h);
    }

    // ---------------------------------------------------------------- both sides

    /**
     * A socket of an exchange is ready (or in error).
     *
     * @param id the exchange's id in the epoll set.
     */
    void onReady(final long id)
    {
        final Handshake h = handshakes.get(id);
        if (null != h)
        {
            if (h.ioWait == Handshake.WAIT_DELAY)
            {
                // A delayed write asks for no events: this is an error or hang-up, which the write shows.
                h.writeAtNs = clock.nanoTime();
            }
            progress(h);
        }
    }

    /**
     * Write the hellos held back by the simulated latency whose time has come.
     *
     * @return exchanges moved on.
     */
    int releaseDelayedWrites()
    {
        if (handshakes.isEmpty() || config.simulatedHelloLatencyNs() == 0)
        {
            return 0;
        }
        final List<Handshake> due = select(writeDue);
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

    /**
     * End the exchanges past their deadline.
     *
     * @return exchanges ended.
     */
    int expireHandshakes()
    {
        if (handshakes.isEmpty())
        {
            return 0;
        }
        final List<Handshake> expired = select(pastDeadline);
        if (null == expired)
        {
            return 0;
        }
        for (final Handshake h : expired)
        {
            if (h.active)
            {
                handler.onFailed(h, Errno.ETIMEDOUT, "hello exchange not finished in time");
            }
            else
            {
                counters.refusedTimeout.incrementOrdered();
                abandon(h, "hello exchange not finished in time", Errno.ETIMEDOUT);
            }
        }
        return expired.size();
    }

    /**
     * The earliest time an exchange needs this agent without a socket event: its deadline, or the end of the
     * simulated latency of a held-back hello.
     *
     * @param limitNs the answer when nothing is sooner.
     * @return the earliest of those times and {@code limitNs}.
     */
    long nextDeadlineNs(final long limitNs)
    {
        long nextNs = limitNs;
        for (final Handshake h : handshakes.values())
        {
            if (h.deadlineNs - nextNs < 0)
            {
                nextNs = h.deadlineNs;
            }
            if (h.ioWait == Handshake.WAIT_DELAY && h.writeAtNs - nextNs < 0)
            {
                nextNs = h.writeAtNs;
            }
        }
        return nextNs;
    }

    /**
     * A hello held back by the simulated latency whose time has come.
     */
    private boolean isWriteDue(final Handshake h)
    {
        return h.ioWait == Handshake.WAIT_DELAY && clock.nanoTime() - h.writeAtNs >= 0;
    }

    private boolean isPastDeadline(final Handshake h)
    {
        return clock.nanoTime() - h.deadlineNs > 0;
    }

    /**
     * The exchanges that match, taken out of the map's iteration before any is acted on.
     *
     * @return them, or null for none.
     */
    private List<Handshake> select(final Predicate<Handshake> condition)
    {
        List<Handshake> selected = null;
        for (final Handshake h : handshakes.values())
        {
            if (condition.test(h))
            {
                if (null == selected)
                {
                    selected = new ArrayList<>();
                }
                selected.add(h);
            }
        }
        return selected;
    }

    /**
     * Write the first {@code length} bytes of the handshake buffer, after the simulated hello latency if
     * one is set (the socket then waits with no events asked for, so only an error or hang-up wakes it).
     */
    private void beginWrite(final Handshake h, final int step, final int length) throws NativeIoException
    {
        final long nowNs = clock.nanoTime();
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
                handler.onClosedByPeer(h, Errno.EPROTO, "bad hello reply: " + ex.getMessage());
            }
            else
            {
                counters.refusedBadHello.incrementOrdered();
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
                    handler.onClosedByPeer(h, ex.errno(), ex.getMessage());
                }
                else
                {
                    handler.onFailed(h, ex.errno(), ex.getMessage());
                }
            }
            else
            {
                counters.refusedIoError.incrementOrdered();
                abandon(h, ex.getMessage(), ex.errno());
            }
        }
    }

    /**
     * One step of I/O; true if it made progress and another may follow.
     */
    private boolean step(final Handshake h) throws NativeIoException
    {
        switch (h.ioWait)
        {
            case Handshake.WAIT_CONNECT:
                if ((h.socket.poll(NativeConstants.POLLOUT, 0) & (NativeConstants.POLLOUT | NativeConstants.POLLERR |
                    NativeConstants.POLLHUP)) == 0)
                {
                    return false;
                }
                h.socket.finishConnect();
                onConnected(h);
                return false;

            case Handshake.WAIT_DELAY:
            {
                final long nowNs = clock.nanoTime();
                if (nowNs - h.writeAtNs < 0)
                {
                    return false;
                }
                h.ioWait = Handshake.WAIT_WRITE;
                h.deadlineNs = nowNs + config.acceptTimeoutNs();
                epoll.modify(h.socket.fd(), NativeConstants.EPOLLOUT, h.id);
                return true;
            }

            case Handshake.WAIT_WRITE:
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
                    h.expectRead(HelloFlyweight.PREFIX_LENGTH, clock.nanoTime() + config.sockTimeoutNs());
                    epoll.modify(h.socket.fd(), NativeConstants.EPOLLIN, h.id);
                    return true;
                }
                onPassiveWritten(h);
                return false;
            }

            case Handshake.WAIT_READ:
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
                        handler.onClosedByPeer(h, Errno.ECONNRESET, "peer closed the connection during the hello");
                    }
                    else
                    {
                        counters.refusedBadHello.incrementOrdered();
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

    // ---------------------------------------------------------------- ends

    /**
     * Hand a connection that passed its hello exchange over: out of here and the epoll set, its socket set
     * up for service. If that fails the connection is closed (and, passive, gives its admission back).
     *
     * @param h the exchange.
     * @return true if the socket is ready for the IO agent, which owns it from now.
     */
    boolean release(final Handshake h)
    {
        remove(h);
        try
        {
            epoll.remove(h.socket.fd());
            setupSocket(h.socket);
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("{}: socket setup failed: {} rc={}", h, ex.getMessage(), -ex.errno());
            h.releaseAdmission();
            closeQuietly(h);
            return false;
        }
        return true;
    }

    /**
     * End an exchange without a word: out of here, its claims on its peer's record given back, its socket
     * closed.
     *
     * @param h the exchange.
     * @return false if it had ended already.
     */
    boolean end(final Handshake h)
    {
        if (!remove(h))
        {
            return false;
        }
        closeQuietly(h);
        return true;
    }

    /**
     * End a passive hello exchange that failed, once: one log line with the reason, and the admission
     * (if it was admitted and its reply not yet written) given back.
     *
     * @param h      the exchange.
     * @param reason log text.
     * @param errno  why.
     */
    void abandon(final Handshake h, final String reason, final int errno)
    {
        if (!remove(h))
        {
            return;
        }
        if (h.releaseAdmission())
        {
            LOG.warn("{}: failed after admission: {} rc={}", h, reason, -errno);
        }
        else
        {
            LOG.warn("{}: refused: {} rc={}", h, reason, -errno);
        }
        closeQuietly(h);
    }

    /**
     * The node shuts down: end every exchange, each logged.
     */
    void close()
    {
        for (final Handshake h : new ArrayList<>(handshakes.values()))
        {
            remove(h);
            h.releaseAdmission();
            LOG.info("{}: abandoned: node shutting down", h);
            closeQuietly(h);
        }
    }

    /**
     * Take an exchange out, giving back what it holds in its peer's record: an active one its place in
     * {@code activeInProgress}, a passive one past its hello its place in {@code accepting}.
     */
    private boolean remove(final Handshake h)
    {
        if (handshakes.remove(h.id) == null)
        {
            return false;
        }
        if (h.active)
        {
            h.record.activeInProgress--;
        }
        else
        {
            h.endAccepting(clock.nanoTime());
        }
        return true;
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

    /**
     * Close a socket at once (linger 0: a reset, no TIME_WAIT), logging only a failed close.
     *
     * @param socket the socket.
     */
    static void closeQuietly(final NativeSocket socket)
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
