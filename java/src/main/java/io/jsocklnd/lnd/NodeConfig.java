package io.jsocklnd.lnd;

import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;

import java.util.concurrent.TimeUnit;

/**
 * Settings of one node; names follow the ksocklnd and LNet module parameters where one exists.
 * Mutable until the node starts.
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
        /** The best zero-copy path this kernel offers: {@link #SPLICE} where pipes work, else {@link #MSG_ZEROCOPY}. */
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

    private long nid = Nid.parse("127.0.0.1@tcp");
    private int pid = WireConstants.LNET_PID_LUSTRE;
    private int port = WireConstants.LNET_ACCEPT_PORT;
    private AcceptMode acceptMode = AcceptMode.SECURE;
    private boolean privilegedSourcePort = true;
    private int protocolVersion = Protocols.NEWEST;
    private int legacyProtocol;
    private boolean portalsCompatibility;
    private int connsPerPeer = 1;
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
    private long incarnation = System.currentTimeMillis() * 1_000_000L;
    private int zcMinPayload = 16 * 1024;
    private ZcMode zcMode = ZcMode.AUTO;
    private final boolean unsafeZcCompleteOnWrite = Boolean.getBoolean(UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY);
    private long simulatedHelloLatencyNs;

    /**
     * This node's NID ({@code a.b.c.d@tcpN}); its IP is where the node listens and connects from.
     *
     * @param text the NID in text form.
     * @return this.
     */
    public NodeConfig nid(final String text)
    {
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
     * @param port acceptor port to listen on and connect to ({@code accept_port}, 988).
     * @return this.
     */
    public NodeConfig port(final int port)
    {
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
     * @param version newest hello version to offer and accept (3; 2 or 1 to hold the node to an older one).
     *                Older versions are still spoken: a node always answers a V1 hello in V1.
     * @return this.
     */
    public NodeConfig protocolVersion(final int version)
    {
        if (Protocols.forVersion(version) == null)
        {
            throw new IllegalArgumentException("unsupported protocol version: version=" + version);
        }
        this.protocolVersion = version;
        this.legacyProtocol = 0;
        return this;
    }

    /**
     * @return the newest version offered.
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
     *
     * @param version 1 or 2 for a legacy node; 0 or 3 for a current one.
     * @return this.
     */
    public NodeConfig legacyProtocol(final int version)
    {
        if (version == 0 || version == Protocols.NEWEST)
        {
            this.protocolVersion = Protocols.NEWEST;
            this.legacyProtocol = 0;
            return this;
        }
        if (version < Protocols.OLDEST || version > Protocols.NEWEST)
        {
            throw new IllegalArgumentException("unsupported legacy protocol: version=" + version);
        }
        this.protocolVersion = version;
        this.legacyProtocol = version;
        return this;
    }

    /**
     * @return the legacy version the node imitates, 0 for a current node.
     */
    public int legacyProtocol()
    {
        return legacyProtocol;
    }

    /**
     * @param enabled whether the acceptor also takes a V1 hello sent without an acceptor request, as
     *                LNet did with {@code portals_compatibility} set (removed from Lustre in 2008; off by
     *                default, as in every kernel since, which refuse such a connection).
     * @return this.
     */
    public NodeConfig portalsCompatibility(final boolean enabled)
    {
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
     * @param n BULK_IN and BULK_OUT connections per peer ({@code conns_per_peer}).
     * @return this.
     */
    public NodeConfig connsPerPeer(final int n)
    {
        if (n < 1 || n > 127)
        {
            throw new IllegalArgumentException("conns_per_peer out of range: value=" + n);
        }
        this.connsPerPeer = n;
        return this;
    }

    /**
     * @return conns_per_peer.
     */
    public int connsPerPeer()
    {
        return connsPerPeer;
    }

    /**
     * @param bytes size (headers included) from which a message prefers a bulk connection ({@code min_bulk}).
     * @return this.
     */
    public NodeConfig minBulk(final int bytes)
    {
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
     * @param timeout dead socket, stuck message and ZC-ACK timeout ({@code sock_timeout}).
     * @param unit    its unit.
     * @return this.
     */
    public NodeConfig sockTimeout(final long timeout, final TimeUnit unit)
    {
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
     * @param timeout time allowed for the acceptor request and hello ({@code accept_timeout}).
     * @param unit    its unit.
     * @return this.
     */
    public NodeConfig acceptTimeout(final long timeout, final TimeUnit unit)
    {
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
     * @param min first reconnect delay ({@code min_reconnectms}).
     * @param max largest reconnect delay ({@code max_reconnectms}).
     * @param unit their unit.
     * @return this.
     */
    public NodeConfig reconnect(final long min, final long max, final TimeUnit unit)
    {
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
     * @param busySpin whether agent threads spin instead of backing off when idle (lowest latency).
     * @return this.
     */
    public NodeConfig busySpin(final boolean busySpin)
    {
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
     * @param sendCapacity       bytes of the ring buffer carrying sends to the IO agent (power of two).
     * @param completionCapacity bytes of the ring buffer carrying completions back (power of two).
     * @return this.
     */
    public NodeConfig ringCapacities(final int sendCapacity, final int completionCapacity)
    {
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
     * @param incarnation this node's incarnation (epoch ns at start by default); constant for its lifetime.
     * @return this.
     */
    public NodeConfig incarnation(final long incarnation)
    {
        this.incarnation = incarnation;
        return this;
    }

    /**
     * @return the incarnation.
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
        this.zcMode = mode;
        return this;
    }

    /**
     * @return the ZC mode.
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
}
