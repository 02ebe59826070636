package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.JslNative;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.BitUtil;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Settings of one node; names follow the ksocklnd and LNet module parameters where one exists.
 * <p>
 * Each setter sets its own setting only, so the order of the calls does not matter. {@link #conclude()}, which
 * {@link Node#start} calls first, checks every setting and every combination, refuses contradictory ones,
 * resolves what depends on other settings or on this machine ({@link ZcMode#AUTO}, the protocol version a
 * legacy node implies, the incarnation) and returns a concluded copy: the settings the node runs with
 * ({@link Node#config()}), which refuses every setter. The config concluded from stays mutable and can start
 * more nodes.
 */
public final class NodeConfig
{
    /**
     * How the node's agents get threads.
     */
    public enum ThreadingMode
    {
        /** A thread for the conductor and one for the IO agent. */
        DEDICATED,
        /** One thread runs both agents. */
        SHARED,
        /** No thread: the caller drives {@link Node#doWork()}, for deterministic tests. */
        INVOKER
    }

    /**
     * Which source ports the acceptor admits ({@code accept}).
     */
    public enum AcceptMode
    {
        /** Only privileged source ports (512..1023). */
        SECURE,
        /** Any source port. */
        ALL,
        /** No acceptor. */
        NONE
    }

    /**
     * How payloads of ZC sends ({@code zc_min_payload} and more, on V2 or newer connections) reach the socket.
     */
    public enum ZcMode
    {
        /**
         * The path measured best on this machine for the node's NID ({@link ZcProbe}: a short probe of every path
         * over loopback, once per process): COPY, SPLICE or MSG_ZEROCOPY; resolved by {@link NodeConfig#conclude()},
         * so a running node's config never holds it.
         */
        AUTO,
        /** vmsplice the caller's pages into a pipe, splice the pipe into the socket. */
        SPLICE,
        /** sendmsg with MSG_ZEROCOPY; completion waits for the kernel's error-queue notification too. */
        MSG_ZEROCOPY,
        /** Copy every payload (writev); no ZC requests are issued and a send completes once written. */
        COPY
    }

    /**
     * System property that makes new configs complete ZC sends as soon as the kernel took the payload,
     * without waiting for the peer's ZC-ACK. UNSAFE, for tests and the corruption demo only: the caller may
     * then overwrite pages the socket still sends from.
     */
    public static final String UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY = "jsocklnd.unsafe.zcCompleteOnWrite";

    /**
     * Smallest {@link #zcMinPayload(int)} accepted; smaller values are raised to it, as the kernel does.
     */
    public static final int ZC_MIN_PAYLOAD_FLOOR = 2 * 1024;

    /** The most connections of one bulk type per peer a kernel opens or takes ({@code conns_per_peer}). */
    public static final int MAX_CONNS_PER_PEER = 127;

    /**
     * Smallest {@link #sendRingCapacity()}: an Agrona ring buffer carries messages of at most an eighth of its
     * capacity, and every send record is {@code SendCommand.LENGTH} bytes.
     */
    public static final int MIN_SEND_RING_CAPACITY = BitUtil.findNextPositivePowerOfTwo(8 * SendCommand.LENGTH);

    /**
     * Smallest {@link #completionRingCapacity()}: an Agrona ring buffer carries messages of at most an eighth of
     * its capacity, and every completion record (correlation id and status) is 12 bytes.
     */
    public static final int MIN_COMPLETION_RING_CAPACITY =
        BitUtil.findNextPositivePowerOfTwo(8 * (BitUtil.SIZE_OF_LONG + BitUtil.SIZE_OF_INT));

    private long nid = Nid.parse("127.0.0.1@tcp");
    private int pid = WireConstants.LNET_PID_LUSTRE;
    private int port = WireConstants.LNET_ACCEPT_PORT;
    private AcceptMode acceptMode = AcceptMode.SECURE;
    private boolean privilegedSourcePort = true;
    private int protocolVersion = Protocols.NEWEST;
    private boolean protocolVersionSet;
    private int legacyProtocol;
    private boolean portalsCompatibility;
    private int connsPerPeer;
    private Path sysClassNet = LinkSpeed.SYS_CLASS_NET;
    private int minBulk = 1024;
    private long sockTimeoutNs = TimeUnit.SECONDS.toNanos(50);
    private long acceptTimeoutNs = TimeUnit.SECONDS.toNanos(5);
    private long keepaliveNs = TimeUnit.SECONDS.toNanos(30);
    private long minReconnectNs = TimeUnit.SECONDS.toNanos(1);
    private long maxReconnectNs = TimeUnit.SECONDS.toNanos(60);
    private long peerIdleTimeoutNs = TimeUnit.SECONDS.toNanos(10);
    private int txBufferSize;
    private int rxBufferSize;
    private boolean nagle;
    private boolean enableCsum;
    private ThreadingMode threadingMode = ThreadingMode.DEDICATED;
    private boolean busySpin;
    private int sendRingCapacity = 1 << 20;
    private int completionRingCapacity = 1 << 20;
    private long incarnation;
    private int zcMinPayload = 16 * 1024;
    private ZcMode zcMode = ZcMode.AUTO;
    private final boolean unsafeZcCompleteOnWrite;
    private long simulatedHelloLatencyNs;
    private boolean concluded;

    /**
     * Default settings; {@link #unsafeZcCompleteOnWrite()} is read from its system property now.
     */
    public NodeConfig()
    {
        unsafeZcCompleteOnWrite = Boolean.getBoolean(UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY);
    }

    private NodeConfig(final NodeConfig from)
    {
        nid = from.nid;
        pid = from.pid;
        port = from.port;
        acceptMode = from.acceptMode;
        privilegedSourcePort = from.privilegedSourcePort;
        protocolVersion = from.protocolVersion;
        protocolVersionSet = from.protocolVersionSet;
        legacyProtocol = from.legacyProtocol;
        portalsCompatibility = from.portalsCompatibility;
        connsPerPeer = from.connsPerPeer;
        sysClassNet = from.sysClassNet;
        minBulk = from.minBulk;
        sockTimeoutNs = from.sockTimeoutNs;
        acceptTimeoutNs = from.acceptTimeoutNs;
        keepaliveNs = from.keepaliveNs;
        minReconnectNs = from.minReconnectNs;
        maxReconnectNs = from.maxReconnectNs;
        peerIdleTimeoutNs = from.peerIdleTimeoutNs;
        txBufferSize = from.txBufferSize;
        rxBufferSize = from.rxBufferSize;
        nagle = from.nagle;
        enableCsum = from.enableCsum;
        threadingMode = from.threadingMode;
        busySpin = from.busySpin;
        sendRingCapacity = from.sendRingCapacity;
        completionRingCapacity = from.completionRingCapacity;
        incarnation = from.incarnation;
        zcMinPayload = from.zcMinPayload;
        zcMode = from.zcMode;
        unsafeZcCompleteOnWrite = from.unsafeZcCompleteOnWrite;
        simulatedHelloLatencyNs = from.simulatedHelloLatencyNs;
    }

    /**
     * Check every setting and every combination and resolve what the settings leave open. The result is a
     * concluded copy, which refuses every setter; a concluded config concludes to itself. This config is left
     * as it was.
     * <p>
     * Resolved: {@link ZcMode#AUTO} to the mode measured best here for this NID ({@link ZcProbe#decide});
     * {@link #protocolVersion()} to the version of a legacy node
     * ({@link #legacyProtocol(int)}) when not set; {@link #legacyProtocol()} 3 to 0 (a current node);
     * {@link #incarnation()} 0 to the time now, in ns since the epoch.
     * <p>
     * Refused, each naming the settings and values: a NID that is not on a tcp network; a port outside
     * 1..65535; an unset mode; {@code protocolVersion} set to another version than {@code legacyProtocol} names;
     * {@code portalsCompatibility} without an acceptor; negative {@code minBulk}, {@code keepalive} or buffer
     * sizes; a {@code sockTimeout} or {@code acceptTimeout} that is not positive; a {@code minReconnect} that
     * is not positive or above {@code maxReconnect}; {@code busySpin} with {@link ThreadingMode#INVOKER}; ring
     * capacities that are not powers of two or too small for their records.
     *
     * @return the concluded settings.
     * @throws IllegalArgumentException naming every setting, or combination, refused.
     * @throws UnsatisfiedLinkError     if {@link ZcMode#AUTO} is to be resolved and the native library is not
     *                                  usable.
     */
    public NodeConfig conclude()
    {
        if (concluded)
        {
            return this;
        }

        final List<String> refused = new ArrayList<>();
        checkSettings(refused);
        checkProtocol(refused);
        if (!refused.isEmpty())
        {
            throw new IllegalArgumentException(String.join("; ", refused));
        }

        final NodeConfig result = new NodeConfig(this);
        if (legacyProtocol != 0)
        {
            result.protocolVersion = legacyProtocol;
            result.protocolVersionSet = true;
        }
        if (legacyProtocol == Protocols.NEWEST)
        {
            result.legacyProtocol = 0;
        }
        result.zcMode = resolve(zcMode, nid);
        if (0 == connsPerPeer)
        {
            result.connsPerPeer = LinkSpeed.connsPerPeer(nid, sysClassNet);
        }
        if (0 == incarnation)
        {
            result.incarnation = System.currentTimeMillis() * 1_000_000L;
        }
        result.concluded = true;
        return result;
    }

    /**
     * @return whether this is a concluded config ({@link #conclude()}), which refuses every setter.
     */
    public boolean concluded()
    {
        return concluded;
    }

    /**
     * This node's NID ({@code a.b.c.d@tcpN}); its IP is where the node listens and connects from.
     *
     * @param text the NID in text form.
     * @return this.
     */
    public NodeConfig nid(final String text)
    {
        checkMutable("nid");
        nid = Nid.parse(text);
        return this;
    }

    /**
     * @return the NID as nid4.
     */
    public long nid()
    {
        return nid;
    }

    /**
     * @param pid the LNet PID of this node (12345 by default, never {@code LNET_PID_ANY}).
     * @return this.
     */
    public NodeConfig pid(final int pid)
    {
        checkMutable("pid");
        if (pid == WireConstants.LNET_PID_ANY)
        {
            throw new IllegalArgumentException("pid must not be LNET_PID_ANY");
        }
        this.pid = pid;
        return this;
    }

    /**
     * @return the LNet PID.
     */
    public int pid()
    {
        return pid;
    }

    /**
     * @param port acceptor port to listen on and connect to ({@code accept_port}, 988; 1..65535, also with
     *             {@link AcceptMode#NONE}, as peers are connected to it).
     * @return this.
     */
    public NodeConfig port(final int port)
    {
        checkMutable("port");
        this.port = port;
        return this;
    }

    /**
     * @return the acceptor port.
     */
    public int port()
    {
        return port;
    }

    /**
     * @param acceptMode which source ports the acceptor admits ({@code accept}).
     * @return this.
     */
    public NodeConfig acceptMode(final AcceptMode acceptMode)
    {
        checkMutable("acceptMode");
        this.acceptMode = acceptMode;
        return this;
    }

    /**
     * @return the accept mode.
     */
    public AcceptMode acceptMode()
    {
        return acceptMode;
    }

    /**
     * @param privileged whether active connections bind a source port in 1023..512 (needs root).
     * @return this.
     */
    public NodeConfig privilegedSourcePort(final boolean privileged)
    {
        checkMutable("privilegedSourcePort");
        this.privilegedSourcePort = privileged;
        return this;
    }

    /**
     * @return whether a privileged source port is bound.
     */
    public boolean privilegedSourcePort()
    {
        return privilegedSourcePort;
    }

    /**
     * The newest hello version to offer and accept: 3, or 2 or 1 to hold a current node to an older one. Older
     * versions are still spoken: a node always answers a V1 hello in V1.
     * <p>
     * When not set, the version of the legacy node {@link #legacyProtocol(int)} names, else 3. Set together with
     * a {@link #legacyProtocol(int)} other than 0, it must be the version that names: {@link #conclude()}
     * refuses any other.
     *
     * @param version 1, 2 or 3.
     * @return this.
     */
    public NodeConfig protocolVersion(final int version)
    {
        checkMutable("protocolVersion");
        if (Protocols.forVersion(version) == null)
        {
            throw new IllegalArgumentException("unsupported protocol version: version=" + version);
        }
        this.protocolVersion = version;
        this.protocolVersionSet = true;
        return this;
    }

    /**
     * @return the newest version offered; before {@link #conclude()}, the version set or 3.
     */
    public int protocolVersion()
    {
        return protocolVersion;
    }

    /**
     * Make the node behave as an old socklnd that knows no version newer than {@code version}: it offers
     * only that version, answers older ones in kind, and refuses newer hellos as that generation did. A V2
     * node answers a newer hello with a V2 hello of type NONE and closes (how a newer peer learns to use
     * V2); a V1 node, which knows no other hello magic, closes without a word.
     * <p>
     * The generation named fixes the version offered: {@code legacyProtocol(2)} alone concludes to
     * {@link #protocolVersion()} 2, {@code legacyProtocol(3)} to a current node offering 3, and a
     * {@link #protocolVersion(int)} set to another version is refused by {@link #conclude()}, whichever was
     * set first. 0, the default, imitates no generation and leaves the version to {@link #protocolVersion(int)}.
     *
     * @param version 1 or 2 for a legacy node; 0 or 3 for a current one.
     * @return this.
     */
    public NodeConfig legacyProtocol(final int version)
    {
        checkMutable("legacyProtocol");
        if (version != 0 && (version < Protocols.OLDEST || version > Protocols.NEWEST))
        {
            throw new IllegalArgumentException("unsupported legacy protocol: version=" + version);
        }
        this.legacyProtocol = version;
        return this;
    }

    /**
     * @return the legacy version the node imitates, 0 for a current node (before {@link #conclude()}, the
     * version set: 3 names a current node too).
     */
    public int legacyProtocol()
    {
        return legacyProtocol;
    }

    /**
     * @param enabled whether the acceptor also takes a V1 hello sent without an acceptor request, as
     *                LNet did with {@code portals_compatibility} set (removed from Lustre in 2008; off by
     *                default, as in every kernel since, which refuse such a connection). Needs an acceptor:
     *                refused with {@link AcceptMode#NONE}.
     * @return this.
     */
    public NodeConfig portalsCompatibility(final boolean enabled)
    {
        checkMutable("portalsCompatibility");
        this.portalsCompatibility = enabled;
        return this;
    }

    /**
     * @return whether a V1 hello without an acceptor request is taken.
     */
    public boolean portalsCompatibility()
    {
        return portalsCompatibility;
    }

    /**
     * @param n BULK_IN and BULK_OUT connections this node opens per peer ({@code conns_per_peer}), 1 to
     *          {@value #MAX_CONNS_PER_PEER}; 0 (the default) for the kernel's automatic value from the speed of the
     *          link that carries the NID, found when the settings are concluded: {@code ilog2(Gbit/s) / 2 + 1},
     *          1 where the speed is unknown (loopback). A peer may open more to this node than this, up to
     *          {@value #MAX_CONNS_PER_PEER} of each type.
     * @return this.
     */
    public NodeConfig connsPerPeer(final int n)
    {
        checkMutable("connsPerPeer");
        if (n < 0 || n > MAX_CONNS_PER_PEER)
        {
            throw new IllegalArgumentException("conns_per_peer out of range: value=" + n);
        }
        this.connsPerPeer = n;
        return this;
    }

    /**
     * Where the automatic {@code conns_per_peer} reads link speeds instead of {@code /sys/class/net} (tests).
     *
     * @param dir a directory with one directory per interface, each with a {@code speed} file in Mbit/s.
     * @return this.
     */
    NodeConfig sysClassNet(final Path dir)
    {
        checkMutable("sysClassNet");
        this.sysClassNet = dir;
        return this;
    }

    /**
     * @return conns_per_peer: once concluded, the number of each bulk type this node opens per peer; before,
     * 0 for automatic.
     */
    public int connsPerPeer()
    {
        return connsPerPeer;
    }

    /**
     * @param bytes size (headers included) from which a message prefers a bulk connection ({@code min_bulk},
     *              at least 0).
     * @return this.
     */
    public NodeConfig minBulk(final int bytes)
    {
        checkMutable("minBulk");
        this.minBulk = bytes;
        return this;
    }

    /**
     * @return min_bulk.
     */
    public int minBulk()
    {
        return minBulk;
    }

    /**
     * @param timeout dead socket, stuck message and ZC-ACK timeout ({@code sock_timeout}, positive).
     * @param unit    its unit.
     * @return this.
     */
    public NodeConfig sockTimeout(final long timeout, final TimeUnit unit)
    {
        checkMutable("sockTimeout");
        this.sockTimeoutNs = unit.toNanos(timeout);
        return this;
    }

    /**
     * @return sock_timeout in ns.
     */
    public long sockTimeoutNs()
    {
        return sockTimeoutNs;
    }

    /**
     * @param timeout time allowed for the acceptor request and hello ({@code accept_timeout}, positive).
     * @param unit    its unit.
     * @return this.
     */
    public NodeConfig acceptTimeout(final long timeout, final TimeUnit unit)
    {
        checkMutable("acceptTimeout");
        this.acceptTimeoutNs = unit.toNanos(timeout);
        return this;
    }

    /**
     * @return accept_timeout in ns.
     */
    public long acceptTimeoutNs()
    {
        return acceptTimeoutNs;
    }

    /**
     * TEST ONLY, never set in production: delays each hello this node writes, the active side's hello and the
     * passive side's reply (acceptance or refusal) alike, by the given time after it is ready, to widen
     * connection race windows in tests on loopback, where a whole exchange otherwise takes well under a
     * millisecond. Each hello then reaches the peer as over a link with this one-way latency, so both sides'
     * hellos can cross in flight as on a real network; the TCP handshake itself is not delayed, so one
     * connection takes about twice this time instead of four times. The conductor waits on a deadline and
     * never blocks; a socket that fails during the wait ends it at once. Default 0: no delay.
     *
     * @param latency time each hello waits before it is written; 0 for none.
     * @param unit    its unit.
     * @return this.
     */
    public NodeConfig simulatedHelloLatency(final long latency, final TimeUnit unit)
    {
        checkMutable("simulatedHelloLatency");
        if (latency < 0)
        {
            throw new IllegalArgumentException("simulated hello latency must not be negative: " + latency);
        }
        this.simulatedHelloLatencyNs = unit.toNanos(latency);
        return this;
    }

    /**
     * @return the test-only delay before each hello is written in ns, 0 when not simulated.
     */
    public long simulatedHelloLatencyNs()
    {
        return simulatedHelloLatencyNs;
    }

    /**
     * @param idle idle time after which a V3 keepalive NOOP is sent ({@code keepalive}); 0 disables.
     * @param unit its unit.
     * @return this.
     */
    public NodeConfig keepalive(final long idle, final TimeUnit unit)
    {
        checkMutable("keepalive");
        this.keepaliveNs = unit.toNanos(idle);
        return this;
    }

    /**
     * @return keepalive in ns.
     */
    public long keepaliveNs()
    {
        return keepaliveNs;
    }

    /**
     * @param min first reconnect delay ({@code min_reconnectms}, positive: the backoff doubles it).
     * @param max largest reconnect delay ({@code max_reconnectms}, at least {@code min}).
     * @param unit their unit.
     * @return this.
     */
    public NodeConfig reconnect(final long min, final long max, final TimeUnit unit)
    {
        checkMutable("reconnect");
        this.minReconnectNs = unit.toNanos(min);
        this.maxReconnectNs = unit.toNanos(max);
        return this;
    }

    /**
     * @return min_reconnectms in ns.
     */
    public long minReconnectNs()
    {
        return minReconnectNs;
    }

    /**
     * @return max_reconnectms in ns.
     */
    public long maxReconnectNs()
    {
        return maxReconnectNs;
    }

    /**
     * How long a peer with no connection, nothing queued and no ZC request pending is remembered before it is
     * forgotten with its counters (the kernel drops such a peer at once). What was learned about it (an older
     * version it speaks, its incarnation, its reconnect backoff) goes with it. Default 10 s.
     *
     * @param timeout idle time, at least 0.
     * @param unit    its unit.
     * @return this.
     */
    public NodeConfig peerIdleTimeout(final long timeout, final TimeUnit unit)
    {
        checkMutable("peerIdleTimeout");
        if (timeout < 0)
        {
            throw new IllegalArgumentException("peer idle timeout must not be negative: " + timeout);
        }
        this.peerIdleTimeoutNs = unit.toNanos(timeout);
        return this;
    }

    /**
     * @return the peer idle timeout in ns.
     */
    public long peerIdleTimeoutNs()
    {
        return peerIdleTimeoutNs;
    }

    /**
     * @param tx SO_SNDBUF ({@code tx_buffer_size}, 0 = system default).
     * @param rx SO_RCVBUF ({@code rx_buffer_size}, 0 = system default).
     * @return this.
     */
    public NodeConfig bufferSizes(final int tx, final int rx)
    {
        checkMutable("bufferSizes");
        this.txBufferSize = tx;
        this.rxBufferSize = rx;
        return this;
    }

    /**
     * @return tx_buffer_size.
     */
    public int txBufferSize()
    {
        return txBufferSize;
    }

    /**
     * @return rx_buffer_size.
     */
    public int rxBufferSize()
    {
        return rxBufferSize;
    }

    /**
     * @param enableCsum whether sends on V2 connections carry a checksum in {@code ksm_csum} ({@code enable_csum},
     *                   off by default; file-region payloads go without one). Received V2 checksums are checked
     *                   whatever this says.
     * @return this.
     */
    public NodeConfig enableCsum(final boolean enableCsum)
    {
        checkMutable("enableCsum");
        this.enableCsum = enableCsum;
        return this;
    }

    /**
     * @return enable_csum.
     */
    public boolean enableCsum()
    {
        return enableCsum;
    }

    /**
     * @param nagle whether Nagle's algorithm stays on ({@code nagle}, off by default: TCP_NODELAY).
     * @return this.
     */
    public NodeConfig nagle(final boolean nagle)
    {
        checkMutable("nagle");
        this.nagle = nagle;
        return this;
    }

    /**
     * @return nagle.
     */
    public boolean nagle()
    {
        return nagle;
    }

    /**
     * @param mode how agents get threads.
     * @return this.
     */
    public NodeConfig threadingMode(final ThreadingMode mode)
    {
        checkMutable("threadingMode");
        this.threadingMode = mode;
        return this;
    }

    /**
     * @return the threading mode.
     */
    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    /**
     * @param busySpin whether the thread that carries messages (the IO agent's, or the one thread of
     *                 {@link ThreadingMode#SHARED}) spins instead of backing off when idle (lowest latency); the
     *                 conductor's own thread ({@link ThreadingMode#DEDICATED}) backs off all the same, so as not to
     *                 take a CPU from it. Refused with {@link ThreadingMode#INVOKER}, which has no agent thread.
     * @return this.
     */
    public NodeConfig busySpin(final boolean busySpin)
    {
        checkMutable("busySpin");
        this.busySpin = busySpin;
        return this;
    }

    /**
     * @return whether idle agents spin.
     */
    public boolean busySpin()
    {
        return busySpin;
    }

    /**
     * @param sendCapacity       bytes of the ring buffer carrying sends to the IO agent (a power of two, at
     *                           least {@link #MIN_SEND_RING_CAPACITY}).
     * @param completionCapacity bytes of the ring buffer carrying completions back (a power of two, at least
     *                           {@link #MIN_COMPLETION_RING_CAPACITY}).
     * @return this.
     */
    public NodeConfig ringCapacities(final int sendCapacity, final int completionCapacity)
    {
        checkMutable("ringCapacities");
        this.sendRingCapacity = sendCapacity;
        this.completionRingCapacity = completionCapacity;
        return this;
    }

    /**
     * @return send ring capacity.
     */
    public int sendRingCapacity()
    {
        return sendRingCapacity;
    }

    /**
     * @return completion ring capacity.
     */
    public int completionRingCapacity()
    {
        return completionRingCapacity;
    }

    /**
     * @param incarnation this node's incarnation, constant for its lifetime; 0, the default, takes the time
     *                    in ns since the epoch when the config is concluded (the node starts).
     * @return this.
     */
    public NodeConfig incarnation(final long incarnation)
    {
        checkMutable("incarnation");
        this.incarnation = incarnation;
        return this;
    }

    /**
     * @return the incarnation; before {@link #conclude()}, 0 unless set.
     */
    public long incarnation()
    {
        return incarnation;
    }

    /**
     * @param bytes payload size from which a send on a V2 or newer connection is a ZC request
     *              ({@code zc_min_payload}, 16 KiB); raised to {@link #ZC_MIN_PAYLOAD_FLOOR} if smaller.
     * @return this.
     */
    public NodeConfig zcMinPayload(final int bytes)
    {
        checkMutable("zcMinPayload");
        this.zcMinPayload = Math.max(ZC_MIN_PAYLOAD_FLOOR, bytes);
        return this;
    }

    /**
     * @return zc_min_payload in bytes.
     */
    public int zcMinPayload()
    {
        return zcMinPayload;
    }

    /**
     * @param mode how ZC payloads reach the socket.
     * @return this.
     */
    public NodeConfig zcMode(final ZcMode mode)
    {
        checkMutable("zcMode");
        this.zcMode = mode;
        return this;
    }

    /**
     * @return the ZC mode; never {@link ZcMode#AUTO} once concluded.
     */
    public ZcMode zcMode()
    {
        return zcMode;
    }

    /**
     * Whether ZC sends complete once the kernel took their payload instead of on the peer's ZC-ACK; set from
     * {@link #UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY} when this config was created. Never true in production.
     *
     * @return true in the unsafe test mode.
     */
    public boolean unsafeZcCompleteOnWrite()
    {
        return unsafeZcCompleteOnWrite;
    }

    public String toString()
    {
        return "NodeConfig{" +
            (concluded ? "concluded" : "not concluded") +
            ", nid=" + Nid.toString(nid) +
            ", pid=" + Integer.toUnsignedString(pid) +
            ", port=" + port +
            ", acceptMode=" + acceptMode +
            ", privilegedSourcePort=" + privilegedSourcePort +
            ", protocolVersion=" + protocolVersion + (protocolVersionSet ? "" : " (default)") +
            ", legacyProtocol=" + legacyProtocol +
            ", portalsCompatibility=" + portalsCompatibility +
            ", connsPerPeer=" + connsPerPeer +
            ", minBulk=" + minBulk +
            ", sockTimeoutNs=" + sockTimeoutNs +
            ", acceptTimeoutNs=" + acceptTimeoutNs +
            ", keepaliveNs=" + keepaliveNs +
            ", minReconnectNs=" + minReconnectNs +
            ", maxReconnectNs=" + maxReconnectNs +
            ", peerIdleTimeoutNs=" + peerIdleTimeoutNs +
            ", txBufferSize=" + txBufferSize +
            ", rxBufferSize=" + rxBufferSize +
            ", nagle=" + nagle +
            ", enableCsum=" + enableCsum +
            ", threadingMode=" + threadingMode +
            ", busySpin=" + busySpin +
            ", sendRingCapacity=" + sendRingCapacity +
            ", completionRingCapacity=" + completionRingCapacity +
            ", incarnation=" + incarnation +
            ", zcMinPayload=" + zcMinPayload +
            ", zcMode=" + zcMode +
            ", unsafeZcCompleteOnWrite=" + unsafeZcCompleteOnWrite +
            ", simulatedHelloLatencyNs=" + simulatedHelloLatencyNs +
            '}';
    }

    private void checkMutable(final String setting)
    {
        if (concluded)
        {
            throw new IllegalStateException(
                "concluded config: " + setting + " cannot change (the config a node runs with is fixed)");
        }
    }

    private void checkSettings(final List<String> refused)
    {
        if (Nid.lndType(nid) != WireConstants.SOCKLND)
        {
            refused.add("nid=" + Nid.toString(nid) + " is not on a tcp network: a socklnd node needs an IPv4 tcp NID");
        }
        if (port < 1 || port > 65535)
        {
            refused.add("port=" + port + " is out of range 1..65535: the acceptor listens on it and peers are " +
                "connected to it");
        }
        if (null == acceptMode)
        {
            refused.add("acceptMode=null: choose SECURE, ALL or NONE");
        }
        if (null == threadingMode)
        {
            refused.add("threadingMode=null: choose DEDICATED, SHARED or INVOKER");
        }
        if (null == zcMode)
        {
            refused.add("zcMode=null: choose AUTO, SPLICE, MSG_ZEROCOPY or COPY");
        }
        if (portalsCompatibility && acceptMode == AcceptMode.NONE)
        {
            refused.add("portalsCompatibility=true conflicts with acceptMode=NONE: without an acceptor no V1 hello " +
                "is taken");
        }
        if (minBulk < 0)
        {
            refused.add("minBulk=" + minBulk + " is negative");
        }
        if (sockTimeoutNs <= 0)
        {
            refused.add("sockTimeoutNs=" + sockTimeoutNs + " is not positive: every connection would time out");
        }
        if (acceptTimeoutNs <= 0)
        {
            refused.add("acceptTimeoutNs=" + acceptTimeoutNs + " is not positive: every hello would time out");
        }
        if (keepaliveNs < 0)
        {
            refused.add("keepaliveNs=" + keepaliveNs + " is negative (0 disables keepalives)");
        }
        if (minReconnectNs <= 0)
        {
            refused.add("minReconnectNs=" + minReconnectNs + " is not positive: the reconnect backoff doubles it");
        }
        else if (minReconnectNs > maxReconnectNs)
        {
            refused.add("minReconnectNs=" + minReconnectNs + " conflicts with maxReconnectNs=" + maxReconnectNs +
                ": the first reconnect delay exceeds the largest");
        }
        if (txBufferSize < 0)
        {
            refused.add("txBufferSize=" + txBufferSize + " is negative (0 keeps the system default)");
        }
        if (rxBufferSize < 0)
        {
            refused.add("rxBufferSize=" + rxBufferSize + " is negative (0 keeps the system default)");
        }
        if (busySpin && threadingMode == ThreadingMode.INVOKER)
        {
            refused.add("busySpin=true conflicts with threadingMode=INVOKER: no agent thread to spin, the caller " +
                "drives the node");
        }
        checkRing(refused, "sendRingCapacity", sendRingCapacity, MIN_SEND_RING_CAPACITY);
        checkRing(refused, "completionRingCapacity", completionRingCapacity, MIN_COMPLETION_RING_CAPACITY);
    }

    private static void checkRing(final List<String> refused, final String name, final int capacity, final int min)
    {
        if (!BitUtil.isPowerOfTwo(capacity))
        {
            refused.add(name + "=" + capacity + " is not a power of two");
        }
        else if (capacity < min)
        {
            refused.add(name + "=" + capacity + " is below " + min + ", the smallest ring its records fit in");
        }
    }

    private void checkProtocol(final List<String> refused)
    {
        if (legacyProtocol != 0 && protocolVersionSet && protocolVersion != legacyProtocol)
        {
            refused.add("protocolVersion=" + protocolVersion + " conflicts with legacyProtocol=" + legacyProtocol +
                ": a node of that generation offers V" + legacyProtocol + " only; set one of them, or both to " +
                "the same version");
        }
    }

    private static ZcMode resolve(final ZcMode mode, final long nid)
    {
        if (mode != ZcMode.AUTO)
        {
            return mode;
        }
        JslNative.ensureAvailable();
        return ZcProbe.resolveAuto(nid);
    }
}
