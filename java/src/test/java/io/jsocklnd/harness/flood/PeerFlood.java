package io.jsocklnd.harness.flood;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A load-generating test peer: floods a node with simulated socklnd peers, each on its own loopback address,
 * all driven by one thread with a {@link Selector}. Every peer opens its typed connections from privileged
 * ports, does the acceptor request and V3 hello, pings the node's LNet (a GET on the reserved portal) on its
 * CONTROL connection and waits for the REPLY carrying a valid ping info on any of its connections.
 *
 * <p>Independent of the code under test: every wire byte is written and read here, by hand, from the layouts
 * of PROTOCOL.md (§2.1 NIDs, §3 acceptor request, §4.3/§4.5 V3 hello, §5.1 ksock header, §5.2 nid4 LNet
 * header, §14.2 ping info), always little-endian. Nothing from the production packages is used.
 *
 * <p>Two modes: serial (one peer after another, each closed before the next starts) and at-once (up to
 * {@link Options#concurrency} peers in flight; answered peers hold their connections until every peer is
 * done, so the node holds them all at once; a failed peer closes its connections at once). Every wait is bounded
 * by a per-peer and an overall deadline. Each failed peer is counted once, under the first reason seen.
 */
public final class PeerFlood
{
    static final int ACCEPTOR_MAGIC = 0xacce7100;
    static final int ACCEPTOR_VERSION = 1;
    static final int PROTO_MAGIC = 0x45726963;
    static final int PROTO_V3 = 3;
    static final int CONN_NONE = -1;
    static final int CONN_CONTROL = 1;
    static final int CONN_BULK_IN = 2;
    static final int CONN_BULK_OUT = 3;
    static final int MSG_NOOP = 0xc0;
    static final int MSG_LNET = 0xc1;
    static final int LNET_GET = 2;
    static final int LNET_REPLY = 3;
    static final int PID_LUSTRE = 12345;
    static final long PING_MATCH_BITS = 0x8000000000000000L;
    static final int PING_MAGIC = 0x70696E67;
    static final long LO_NID = 0x0009000000000000L;
    static final long TCP_NET = 0x00020000L << 32;
    static final int CONNREQ_LENGTH = 16;
    static final int HELLO_LENGTH = 56;
    static final int KSOCK_HEADER_LENGTH = 24;
    static final int LNET_HEADER_LENGTH = 72;
    static final int SINK_LENGTH = 4096;
    static final int MAX_PAYLOAD = 1 << 20;

    private static final int[] ALL_TYPES = {CONN_CONTROL, CONN_BULK_IN, CONN_BULK_OUT};
    private static final int[] CONTROL_ONLY = {CONN_CONTROL};
    private static final int MAX_FAILURES_KEPT = 10;
    private static final int READS_PER_EVENT = 64;
    private static final long MAX_SELECT_MS = 100;

    /** What to flood and how. */
    public static final class Options
    {
        /**
         * Options for a flood of a node by its NID.
         *
         * @param nodeNid           the node's NID, {@code a.b.c.d@tcp[N]}; its address is the one connected to.
         * @param peers             how many peers.
         * @param firstAddressIndex index of the first peer's address.
         * @return options with the other fields at their defaults.
         */
        public static Options toward(final String nodeNid, final int peers, final int firstAddressIndex)
        {
            final Options o = new Options();
            o.nodeAddress = nodeNid.substring(0, nodeNid.indexOf('@'));
            o.nodeNid = parseNid(nodeNid);
            o.peers = peers;
            o.firstAddressIndex = firstAddressIndex;
            return o;
        }

        /** The node's IPv4 address. */
        public String nodeAddress = "127.0.0.1";
        /** The node's acceptor port. */
        public int nodePort = 988;
        /** The node's nid4; 0 means {@code nodeAddress@tcp}. */
        public long nodeNid;
        /** How many peers. */
        public int peers;
        /** Index of the first peer's address: 0 is 127.10.0.1, 253 is 127.10.0.254, 254 is 127.10.1.1. */
        public int firstAddressIndex;
        /** CONTROL, BULK_IN and BULK_OUT per peer, else CONTROL only. */
        public boolean allTypes;
        /** One peer after another, each closed before the next starts; else at-once. */
        public boolean serial;
        /** At-once mode: most peers not yet answered at any time. */
        public int concurrency = 256;
        /** Each peer must be answered within this long of its start. */
        public long perPeerTimeoutMs = 10_000;
        /** The whole flood stops after this long; 0 derives it from the other settings. */
        public long overallTimeoutMs;
        /** Seed of the incarnations and of the ping's object cookie. */
        public long seed = 1;
        /** Portal of the ping GET (0 for a real ping). */
        public int pingPortal;
        /** Match bits of the ping GET. */
        public long pingMatchBits = PING_MATCH_BITS;
        /**
         * At-once mode: run on the flood's thread once every peer is done, while every answered peer still holds
         * its connections (null for none).
         */
        public Runnable whileHeld;
    }

    /** What happened. */
    public static final class Report
    {
        /** Peers flooded. */
        public long peers;
        /** Peers whose ping was answered correctly. */
        public long peersAnswered;
        /** Peers that failed, for any reason. */
        public long peersFailed;
        /** TCP connections that completed. */
        public long connectionsOpened;
        /** Failed peers refused: a hello with type NONE, a close before the hello reply or a refused connect. */
        public long refusals;
        /** Failed peers whose connection was reset, or closed by the node after the hello. */
        public long resets;
        /** Failed peers not answered before their deadline (or the overall deadline). */
        public long timeouts;
        /** NOOPs received (keepalives). */
        public long noops;
        /** Connections of answered peers lost while held. */
        public long heldLost;
        /** From the start to the moment the last peer was done. */
        public long elapsedNs;
        /** The first reasons of failure. */
        public final List<String> firstFailures = new ArrayList<>();

        /**
         * @return answered peers per second.
         */
        public double peersPerSecond()
        {
            return elapsedNs <= 0 ? 0 : peersAnswered * 1e9 / elapsedNs;
        }

        @Override
        public String toString()
        {
            return String.format(Locale.ROOT,
                "flood peers=%d answered=%d failed=%d conns=%d refusals=%d resets=%d timeouts=%d noops=%d " +
                "held_lost=%d elapsed_ms=%d rate=%.1f/s failures=%s",
                peers, peersAnswered, peersFailed, connectionsOpened, refusals, resets, timeouts, noops, heldLost,
                TimeUnit.NANOSECONDS.toMillis(elapsedNs), peersPerSecond(), firstFailures);
        }
    }

    private enum Kind
    {
        REFUSAL, RESET, TIMEOUT, OTHER
    }

    private enum Stage
    {
        CONNECTING, HELLO, FRAME_HEADER, LNET_HEADER, PAYLOAD, HELD, CLOSED
    }

    /** Why a peer failed; thrown out of the handling of one connection. */
    private static final class Failure extends Exception
    {
        final Kind kind;

        Failure(final Kind kind, final String reason)
        {
            super(reason, null, false, false);
            this.kind = kind;
        }
    }

    private static final class Peer
    {
        final int index;
        final InetAddress address;
        final long nid;
        final long incarnation;
        final Conn[] conns;
        final long deadlineNs;
        int connsUp;
        boolean pinged;
        boolean done;

        Peer(final int index, final InetAddress address, final long nid, final long incarnation, final int[] types,
            final long deadlineNs)
        {
            this.index = index;
            this.address = address;
            this.nid = nid;
            this.incarnation = incarnation;
            this.deadlineNs = deadlineNs;
            conns = new Conn[types.length];
            for (int i = 0; i < types.length; i++)
            {
                conns[i] = new Conn(this, types[i]);
            }
        }

        String name()
        {
            return nidText(nid);
        }

        String state()
        {
            final StringBuilder sb = new StringBuilder("pinged=").append(pinged);
            for (final Conn c : conns)
            {
                sb.append(' ').append(typeName(c.ctype)).append('=').append(c.stage);
            }
            return sb.toString();
        }
    }

    private static final class Conn
    {
        final Peer peer;
        final int ctype;
        final ByteBuffer in = le(KSOCK_HEADER_LENGTH + LNET_HEADER_LENGTH);
        SocketChannel channel;
        SelectionKey key;
        Stage stage = Stage.CONNECTING;
        ByteBuffer out;
        ByteBuffer payload;

        Conn(final Peer peer, final int ctype)
        {
            this.peer = peer;
            this.ctype = ctype;
        }
    }

    private final Options options;
    private final InetSocketAddress node;
    private final long nodeNid;
    private final int[] types;
    private final int concurrency;
    private final Report report = new Report();
    private final LinkedHashSet<Peer> inFlight = new LinkedHashSet<>();
    private final List<Peer> held = new ArrayList<>();
    private final ByteBuffer drain = ByteBuffer.allocate(4096);
    private Selector selector;
    private int nextPeer;
    private long finished;

    private PeerFlood(final Options options) throws IOException
    {
        this.options = options;
        final InetAddress address = InetAddress.getByName(options.nodeAddress);
        if (!(address instanceof Inet4Address))
        {
            throw new IllegalArgumentException("node address must be IPv4: " + options.nodeAddress);
        }
        node = new InetSocketAddress(address, options.nodePort);
        nodeNid = options.nodeNid != 0 ? options.nodeNid : TCP_NET | ipv4(address);
        types = options.allTypes ? ALL_TYPES : CONTROL_ONLY;
        concurrency = options.serial ? 1 : options.concurrency;
        report.peers = options.peers;
    }

    /**
     * Flood a node and report. Returns when every peer is done or the overall deadline has passed; every socket
     * is closed by then.
     *
     * @param options what to flood.
     * @return what happened.
     * @throws IOException if the selector cannot be opened.
     */
    public static Report run(final Options options) throws IOException
    {
        if (options.peers < 0 || options.concurrency < 1 || options.perPeerTimeoutMs <= 0 ||
            options.firstAddressIndex < 0 || options.overallTimeoutMs < 0)
        {
            throw new IllegalArgumentException("bad options: peers=" + options.peers + " concurrency=" +
                options.concurrency + " perPeerTimeoutMs=" + options.perPeerTimeoutMs + " firstAddressIndex=" +
                options.firstAddressIndex + " overallTimeoutMs=" + options.overallTimeoutMs);
        }
        return new PeerFlood(options).flood();
    }

    private Report flood() throws IOException
    {
        final long startNs = System.nanoTime();
        final long overallDeadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(overallTimeoutMs());
        try (Selector s = Selector.open())
        {
            selector = s;
            try
            {
                while (finished < options.peers)
                {
                    final long nowNs = System.nanoTime();
                    if (nowNs - overallDeadlineNs >= 0)
                    {
                        giveUp();
                        break;
                    }
                    startPeers(nowNs);
                    expire(nowNs);
                    if (finished >= options.peers)
                    {
                        break;
                    }
                    selector.select(waitMs(nowNs, overallDeadlineNs));
                    final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext())
                    {
                        final SelectionKey key = keys.next();
                        keys.remove();
                        service(key);
                    }
                }
                report.elapsedNs = System.nanoTime() - startNs;
                if (!options.serial && null != options.whileHeld)
                {
                    options.whileHeld.run();
                }
            }
            finally
            {
                for (final Peer p : held)
                {
                    closePeer(p);
                }
                for (final Peer p : new ArrayList<>(inFlight))
                {
                    closePeer(p);
                }
            }
        }
        return report;
    }

    private long overallTimeoutMs()
    {
        if (options.overallTimeoutMs > 0)
        {
            return options.overallTimeoutMs;
        }
        final long rounds = ((long)options.peers + concurrency - 1) / concurrency;
        return (rounds + 1) * options.perPeerTimeoutMs;
    }

    private long waitMs(final long nowNs, final long overallDeadlineNs)
    {
        long untilNs = overallDeadlineNs - nowNs;
        final Iterator<Peer> it = inFlight.iterator();
        if (it.hasNext())
        {
            untilNs = Math.min(untilNs, it.next().deadlineNs - nowNs);
        }
        return Math.max(1, Math.min(MAX_SELECT_MS, TimeUnit.NANOSECONDS.toMillis(untilNs) + 1));
    }

    // ---------------------------------------------------------------- peers

    private void startPeers(final long nowNs)
    {
        while (inFlight.size() < concurrency && nextPeer < options.peers)
        {
            final int index = options.firstAddressIndex + nextPeer++;
            final InetAddress address = peerAddress(index);
            final Peer p = new Peer(index, address, TCP_NET | ipv4(address), incarnation(options.seed, index), types,
                nowNs + TimeUnit.MILLISECONDS.toNanos(options.perPeerTimeoutMs));
            inFlight.add(p);
            for (final Conn c : p.conns)
            {
                try
                {
                    open(c);
                }
                catch (final IOException ex)
                {
                    fail(p, kindOf(ex), typeName(c.ctype) + " connect from " + p.address.getHostAddress() + ":" +
                        localPort(c.ctype) + ": " + ex);
                }
                if (p.done)
                {
                    break;
                }
            }
        }
    }

    private void expire(final long nowNs)
    {
        List<Peer> late = null;
        for (final Peer p : inFlight)
        {
            if (p.deadlineNs - nowNs > 0)
            {
                break;
            }
            if (null == late)
            {
                late = new ArrayList<>();
            }
            late.add(p);
        }
        if (null != late)
        {
            for (final Peer p : late)
            {
                fail(p, Kind.TIMEOUT, "no answer within " + options.perPeerTimeoutMs + " ms: " + p.state());
            }
        }
    }

    private void giveUp()
    {
        for (final Peer p : new ArrayList<>(inFlight))
        {
            fail(p, Kind.TIMEOUT, "overall deadline passed: " + p.state());
        }
        final int notStarted = options.peers - nextPeer;
        if (notStarted > 0)
        {
            report.peersFailed += notStarted;
            report.timeouts += notStarted;
            finished += notStarted;
            remember(notStarted + " peers not started before the overall deadline");
        }
    }

    private void fail(final Peer p, final Kind kind, final String reason)
    {
        if (p.done)
        {
            return;
        }
        p.done = true;
        inFlight.remove(p);
        finished++;
        report.peersFailed++;
        switch (kind)
        {
            case REFUSAL:
                report.refusals++;
                break;
            case RESET:
                report.resets++;
                break;
            case TIMEOUT:
                report.timeouts++;
                break;
            default:
                break;
        }
        remember("peer " + p.name() + ": " + kind.name().toLowerCase(Locale.ROOT) + ": " + reason);
        closePeer(p);
    }

    private void answered(final Peer p)
    {
        p.done = true;
        inFlight.remove(p);
        finished++;
        report.peersAnswered++;
        if (options.serial)
        {
            closePeer(p);
            return;
        }
        held.add(p);
        for (final Conn c : p.conns)
        {
            c.stage = Stage.HELD;
            c.payload = null;
            if (null == c.out && c.key.isValid())
            {
                c.key.interestOps(SelectionKey.OP_READ);
            }
        }
    }

    private void remember(final String reason)
    {
        if (report.firstFailures.size() < MAX_FAILURES_KEPT)
        {
            report.firstFailures.add(reason);
        }
    }

    private static void closePeer(final Peer p)
    {
        for (final Conn c : p.conns)
        {
            close(c);
        }
    }

    private static void close(final Conn c)
    {
        c.stage = Stage.CLOSED;
        if (null != c.channel)
        {
            try
            {
                c.channel.close();
            }
            catch (final IOException ignore)
            {
                // closing: nothing left to do
            }
        }
    }

    // ---------------------------------------------------------------- connections

    private void open(final Conn c) throws IOException
    {
        final SocketChannel channel = SocketChannel.open();
        c.channel = channel;
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.bind(new InetSocketAddress(c.peer.address, localPort(c.ctype)));
        c.key = channel.register(selector, 0, c);
        if (channel.connect(node))
        {
            connected(c);
        }
        else
        {
            c.key.interestOps(SelectionKey.OP_CONNECT);
        }
    }

    private void connected(final Conn c) throws IOException
    {
        report.connectionsOpened++;
        c.stage = Stage.HELLO;
        c.in.clear().limit(HELLO_LENGTH);
        c.out = handshake(nodeNid, c.peer.nid, c.peer.incarnation, c.ctype);
        flush(c);
    }

    private void service(final SelectionKey key)
    {
        final Conn c = (Conn)key.attachment();
        if (c.stage == Stage.CLOSED || !key.isValid())
        {
            return;
        }
        try
        {
            final int ready = key.readyOps();
            if ((ready & SelectionKey.OP_CONNECT) != 0 && c.stage == Stage.CONNECTING)
            {
                if (!c.channel.finishConnect())
                {
                    return;
                }
                connected(c);
            }
            if ((ready & SelectionKey.OP_WRITE) != 0 && null != c.out && c.stage != Stage.CLOSED)
            {
                flush(c);
            }
            if ((ready & SelectionKey.OP_READ) != 0 && c.stage != Stage.CLOSED)
            {
                readable(c);
            }
        }
        catch (final IOException ex)
        {
            lost(c, kindOf(c, ex), typeName(c.ctype) + " in " + c.stage + ": " + ex);
        }
        catch (final Failure f)
        {
            lost(c, f.kind, f.getMessage());
        }
    }

    private void lost(final Conn c, final Kind kind, final String reason)
    {
        if (c.stage == Stage.HELD)
        {
            report.heldLost++;
            close(c);
            return;
        }
        fail(c.peer, kind, reason);
    }

    private static void flush(final Conn c) throws IOException
    {
        c.channel.write(c.out);
        if (c.out.hasRemaining())
        {
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
        else
        {
            c.out = null;
            c.key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void readable(final Conn c) throws IOException, Failure
    {
        for (int i = 0; i < READS_PER_EVENT && c.stage != Stage.CLOSED; i++)
        {
            final ByteBuffer target;
            if (c.stage == Stage.HELD)
            {
                target = drain;
                target.clear();
            }
            else
            {
                target = c.stage == Stage.PAYLOAD ? c.payload : c.in;
            }
            final int n = c.channel.read(target);
            if (n < 0)
            {
                throw c.stage == Stage.HELLO ?
                    new Failure(Kind.REFUSAL, typeName(c.ctype) + " closed by the node before its hello") :
                    new Failure(Kind.RESET, typeName(c.ctype) + " closed by the node in " + c.stage);
            }
            if (n == 0 || c.stage == Stage.HELD)
            {
                if (n == 0)
                {
                    return;
                }
                continue;
            }
            if (!target.hasRemaining())
            {
                complete(c);
            }
        }
    }

    /** The buffer of the current stage is full: act on it and set up the next stage. */
    private void complete(final Conn c) throws IOException, Failure
    {
        switch (c.stage)
        {
            case HELLO:
                checkHello(c);
                c.stage = Stage.FRAME_HEADER;
                c.in.clear().limit(KSOCK_HEADER_LENGTH);
                final Peer p = c.peer;
                if (++p.connsUp == p.conns.length)
                {
                    ping(p);
                }
                break;
            case FRAME_HEADER:
                final int type = c.in.getInt(0);
                if (type == MSG_NOOP)
                {
                    report.noops++;
                    c.in.clear().limit(KSOCK_HEADER_LENGTH);
                }
                else if (type == MSG_LNET)
                {
                    c.stage = Stage.LNET_HEADER;
                    c.in.limit(KSOCK_HEADER_LENGTH + LNET_HEADER_LENGTH);
                }
                else
                {
                    throw new Failure(Kind.OTHER,
                        typeName(c.ctype) + ": bad ksock type=0x" + Integer.toHexString(type));
                }
                break;
            case LNET_HEADER:
                final int length = c.in.getInt(KSOCK_HEADER_LENGTH + 28);
                if (length < 0 || length > MAX_PAYLOAD)
                {
                    throw new Failure(Kind.OTHER, typeName(c.ctype) + ": bad payload_length=" + length);
                }
                if (length == 0)
                {
                    message(c, le(0));
                }
                else
                {
                    c.stage = Stage.PAYLOAD;
                    c.payload = le(length);
                }
                break;
            case PAYLOAD:
                message(c, c.payload);
                break;
            default:
                throw new IllegalStateException("stage " + c.stage);
        }
    }

    private void checkHello(final Conn c) throws Failure
    {
        final ByteBuffer h = c.in;
        final String what = typeName(c.ctype) + " hello reply: ";
        final int magic = h.getInt(0);
        if (magic != PROTO_MAGIC)
        {
            throw new Failure(Kind.OTHER, what + "bad magic=0x" + Integer.toHexString(magic));
        }
        final int ctype = h.getInt(48);
        if (ctype == CONN_NONE)
        {
            throw new Failure(Kind.REFUSAL, what + "type NONE version=" + h.getInt(4));
        }
        final int version = h.getInt(4);
        if (version != PROTO_V3)
        {
            throw new Failure(Kind.OTHER, what + "version=" + version);
        }
        final long srcNid = h.getLong(8);
        if (srcNid != nodeNid)
        {
            throw new Failure(Kind.OTHER, what + "src_nid=" + nidText(srcNid) + " expected " + nidText(nodeNid));
        }
        if (ctype != inverse(c.ctype))
        {
            throw new Failure(Kind.OTHER, what + "ctype=" + ctype + " expected " + inverse(c.ctype));
        }
        final int nips = h.getInt(52);
        if (nips != 0)
        {
            throw new Failure(Kind.OTHER, what + "nips=" + nips);
        }
    }

    private void ping(final Peer p) throws IOException
    {
        final Conn control = p.conns[0];
        p.pinged = true;
        control.out = get(nodeNid, p.nid, p.index, options.seed, options.pingPortal, options.pingMatchBits);
        flush(control);
    }

    /** A whole LNet message: it must be the REPLY to our ping. */
    private void message(final Conn c, final ByteBuffer payload) throws Failure
    {
        final Peer p = c.peer;
        final ByteBuffer h = c.in;
        final int base = KSOCK_HEADER_LENGTH;
        final String what = typeName(c.ctype) + ": ";
        final int type = h.getInt(base + 24);
        if (!p.pinged)
        {
            throw new Failure(Kind.OTHER, what + "LNet message type=" + type + " before the ping");
        }
        if (type != LNET_REPLY)
        {
            throw new Failure(Kind.OTHER, what + "LNet type=" + type + " instead of a REPLY");
        }
        final long destNid = h.getLong(base);
        final long srcNid = h.getLong(base + 8);
        final int destPid = h.getInt(base + 16);
        if (destNid != p.nid || srcNid != nodeNid || destPid != PID_LUSTRE)
        {
            throw new Failure(Kind.OTHER, what + "REPLY dest_nid=" + nidText(destNid) + " src_nid=" +
                nidText(srcNid) + " dest_pid=" + destPid);
        }
        final long wmdInterface = h.getLong(base + 32);
        final long wmdObject = h.getLong(base + 40);
        if (wmdInterface != p.index || wmdObject != options.seed)
        {
            throw new Failure(Kind.OTHER, what + "REPLY dst_wmd=" + Long.toHexString(wmdInterface) + ":" +
                Long.toHexString(wmdObject) + " is not ours");
        }
        checkPingInfo(what, payload);
        answered(p);
    }

    private void checkPingInfo(final String what, final ByteBuffer info) throws Failure
    {
        final int length = info.capacity();
        if (length < 16 || length > SINK_LENGTH)
        {
            throw new Failure(Kind.OTHER, what + "ping info length=" + length);
        }
        final int magic = info.getInt(0);
        final int nnis = info.getInt(12);
        if (magic != PING_MAGIC || nnis < 2 || 16 + 16L * nnis > length)
        {
            throw new Failure(Kind.OTHER, what + "ping info magic=0x" + Integer.toHexString(magic) + " nnis=" +
                nnis + " length=" + length);
        }
        if (info.getLong(16) != LO_NID)
        {
            throw new Failure(Kind.OTHER, what + "ping info entry 0 nid=" + nidText(info.getLong(16)));
        }
        for (int i = 1; i < nnis; i++)
        {
            if (info.getLong(16 + 16 * i) == nodeNid)
            {
                return;
            }
        }
        throw new Failure(Kind.OTHER, what + "ping info does not list " + nidText(nodeNid));
    }

    private static Kind kindOf(final IOException ex)
    {
        if (ex instanceof ConnectException)
        {
            return Kind.REFUSAL;
        }
        final String message = String.valueOf(ex.getMessage()).toLowerCase(Locale.ROOT);
        return message.contains("reset") || message.contains("broken pipe") ? Kind.RESET : Kind.OTHER;
    }

    private static Kind kindOf(final Conn c, final IOException ex)
    {
        final Kind kind = kindOf(ex);
        return kind == Kind.RESET && (c.stage == Stage.CONNECTING || c.stage == Stage.HELLO) ? Kind.REFUSAL : kind;
    }

    // ---------------------------------------------------------------- wire bytes (PROTOCOL.md, LE sender)

    /** Acceptor connreq v1 (§3.1) then the V3 hello (§4.3), 16 + 56 bytes. */
    static ByteBuffer handshake(final long nodeNid, final long peerNid, final long incarnation, final int ctype)
    {
        final ByteBuffer b = le(CONNREQ_LENGTH + HELLO_LENGTH);
        b.putInt(ACCEPTOR_MAGIC).putInt(ACCEPTOR_VERSION).putLong(nodeNid);
        b.putInt(PROTO_MAGIC).putInt(PROTO_V3)
            .putLong(peerNid).putLong(nodeNid)
            .putInt(PID_LUSTRE).putInt(0)
            .putLong(incarnation).putLong(0)
            .putInt(ctype).putInt(0);
        return b.flip();
    }

    /** A V3 LNET message (§5.1) carrying a nid4 GET header (§5.2), no payload: 24 + 72 bytes. */
    static ByteBuffer get(
        final long nodeNid,
        final long peerNid,
        final long wmdInterface,
        final long wmdObject,
        final int portal,
        final long matchBits)
    {
        final ByteBuffer b = le(KSOCK_HEADER_LENGTH + LNET_HEADER_LENGTH);
        b.putInt(MSG_LNET).putInt(0).putLong(0).putLong(0);
        b.putLong(nodeNid).putLong(peerNid)
            .putInt(PID_LUSTRE).putInt(PID_LUSTRE)
            .putInt(LNET_GET).putInt(0)
            .putLong(wmdInterface).putLong(wmdObject)
            .putLong(matchBits)
            .putInt(portal).putInt(0).putInt(SINK_LENGTH)
            .putInt(0);
        return b.flip();
    }

    private static ByteBuffer le(final int length)
    {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int inverse(final int ctype)
    {
        switch (ctype)
        {
            case CONN_BULK_IN:
                return CONN_BULK_OUT;
            case CONN_BULK_OUT:
                return CONN_BULK_IN;
            default:
                return ctype;
        }
    }

    static int localPort(final int ctype)
    {
        return 1024 - ctype;
    }

    private static String typeName(final int ctype)
    {
        switch (ctype)
        {
            case CONN_CONTROL:
                return "CONTROL";
            case CONN_BULK_IN:
                return "BULK_IN";
            case CONN_BULK_OUT:
                return "BULK_OUT";
            default:
                return "type" + ctype;
        }
    }

    /** Peer address of an index: 127.10.0.1 upwards, skipping .0 and .255 in the last octet. */
    static InetAddress peerAddress(final int index)
    {
        final int block = index / 254;
        final int x = 10 + block / 256;
        if (x > 255)
        {
            throw new IllegalArgumentException("peer index out of range: " + index);
        }
        final byte[] a = {127, (byte)x, (byte)(block % 256), (byte)(index % 254 + 1)};
        try
        {
            return InetAddress.getByAddress(a);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static long incarnation(final long seed, final int index)
    {
        long z = seed + (index + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z;
    }

    private static long ipv4(final InetAddress address)
    {
        final byte[] a = address.getAddress();
        return ((a[0] & 0xffL) << 24) | ((a[1] & 0xffL) << 16) | ((a[2] & 0xffL) << 8) | (a[3] & 0xffL);
    }

    /** {@code a.b.c.d@tcpN} (N optional) to nid4 (§2.1). */
    static long parseNid(final String text)
    {
        final int at = text.indexOf('@');
        if (at < 0 || !text.startsWith("tcp", at + 1))
        {
            throw new IllegalArgumentException("not a tcp NID: " + text);
        }
        final String number = text.substring(at + 4);
        final long net = number.isEmpty() ? 0 : Long.parseLong(number);
        final String[] octets = text.substring(0, at).split("\\.", -1);
        if (octets.length != 4 || net < 0 || net > 0xffff)
        {
            throw new IllegalArgumentException("not a tcp NID: " + text);
        }
        long addr = 0;
        for (final String o : octets)
        {
            final int v = Integer.parseInt(o);
            if (v < 0 || v > 255)
            {
                throw new IllegalArgumentException("not a tcp NID: " + text);
            }
            addr = (addr << 8) | v;
        }
        return ((0x20000L | net) << 32) | addr;
    }

    static String nidText(final long nid)
    {
        final long net = nid >>> 32;
        final long addr = nid & 0xffffffffL;
        final String ip =
            (addr >>> 24) + "." + ((addr >>> 16) & 0xff) + "." + ((addr >>> 8) & 0xff) + "." + (addr & 0xff);
        if (net >>> 16 == 2)
        {
            final long number = net & 0xffff;
            return ip + "@tcp" + (number == 0 ? "" : Long.toString(number));
        }
        return nid == LO_NID ? "0@lo" : "0x" + Long.toHexString(nid);
    }

    // ---------------------------------------------------------------- command line

    /**
     * Parse the command line.
     *
     * @param args {@code --node-address A --port P --node-nid NID --peers N --all-types --serial --concurrency N
     *             --timeout-ms T --overall-timeout-ms T --seed S --first-address-index I}.
     * @return the options.
     */
    private static void sleepQuietly(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    static Options parse(final String[] args)
    {
        final Options o = new Options();
        final List<String> list = new ArrayList<>();
        Collections.addAll(list, args);
        for (int i = 0; i < list.size(); i++)
        {
            final String arg = list.get(i);
            switch (arg)
            {
                case "--all-types":
                    o.allTypes = true;
                    continue;
                case "--serial":
                    o.serial = true;
                    continue;
                default:
                    break;
            }
            if (i + 1 >= list.size())
            {
                throw new IllegalArgumentException("missing value after " + arg);
            }
            final String value = list.get(++i);
            switch (arg)
            {
                case "--node-address":
                    o.nodeAddress = value;
                    break;
                case "--port":
                    o.nodePort = Integer.parseInt(value);
                    break;
                case "--node-nid":
                    o.nodeNid = parseNid(value);
                    break;
                case "--peers":
                    o.peers = Integer.parseInt(value);
                    break;
                case "--concurrency":
                    o.concurrency = Integer.parseInt(value);
                    break;
                case "--timeout-ms":
                    o.perPeerTimeoutMs = Long.parseLong(value);
                    break;
                case "--overall-timeout-ms":
                    o.overallTimeoutMs = Long.parseLong(value);
                    break;
                case "--seed":
                    o.seed = Long.parseLong(value);
                    break;
                case "--first-address-index":
                    o.firstAddressIndex = Integer.parseInt(value);
                    break;
                case "--ping-portal":
                    o.pingPortal = Integer.parseInt(value);
                    break;
                case "--hold-ms":
                {
                    final long holdMs = Long.parseLong(value);
                    o.whileHeld = () ->
                    {
                        System.out.println("HELD");
                        System.out.flush();
                        sleepQuietly(holdMs);
                    };
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        return o;
    }

    /**
     * Flood from the command line; prints the report as one line and exits 0 only if every peer was answered.
     * With {@code --hold-ms T} (at once), prints {@code HELD} once every peer is answered and holds every
     * connection T ms before closing.
     *
     * @param args see {@link #parse}.
     * @throws IOException if the selector cannot be opened.
     */
    public static void main(final String[] args) throws IOException
    {
        final Options o;
        try
        {
            o = parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("PeerFlood: " + ex.getMessage());
            System.err.println("usage: PeerFlood [--node-address A] [--port P] [--node-nid a.b.c.d@tcp] --peers N " +
                "[--all-types] [--serial] [--concurrency N] [--timeout-ms T] [--overall-timeout-ms T] [--seed S] " +
                "[--first-address-index I] [--ping-portal P] [--hold-ms T]");
            System.exit(2);
            return;
        }
        final Report r = run(o);
        System.out.println(r);
        System.exit(r.peersAnswered == o.peers ? 0 : 1);
    }
}
