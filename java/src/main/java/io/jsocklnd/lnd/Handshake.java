package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.ConnTypes;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;

/**
 * One connection between TCP accept/connect and the end of its hello exchange, driven by the
 * {@link HelloExchange} without blocking: bytes to write, bytes to read, a deadline; and what it holds in its
 * peer's record meanwhile.
 */
final class Handshake
{
    /** What the socket waits for ({@link #ioWait}): the TCP connect to complete. */
    static final int WAIT_CONNECT = 1;
    /** Room to write bytes {@link #writeStart} to {@link #writeEnd}. */
    static final int WAIT_WRITE = 2;
    /** Bytes to read up to {@link #readTarget}. */
    static final int WAIT_READ = 3;
    /** Bytes ready to write, held until {@link #writeAtNs} (test-only simulated hello latency). */
    static final int WAIT_DELAY = 4;

    static final int BUFFER_CAPACITY = 512;

    final long id;
    final boolean active;
    final NativeSocket socket;
    final UnsafeBuffer buffer = DirectMemory.allocate(BUFFER_CAPACITY);
    final InetSocketAddress remote;
    InetSocketAddress local;

    /** The peer (active: the one it is meant to reach; passive: known once its hello is in) and the type. */
    PeerRecord record;
    int ctype;
    int version;

    /** What the socket waits for now: a {@code WAIT_*} value. */
    int ioWait;
    /** Where the exchange is: a step of {@link HelloExchange} (connect, acceptor request, hello, reply...). */
    int step;
    int writeStart;
    int writeEnd;
    int readEnd;
    int readTarget;
    long deadlineNs;
    long writeAtNs;
    /** Passive side: what to do once the reply is written (attach, or just close after a rejection). */
    boolean attachAfterWrite;
    /** A passive handshake past its hello, counted in its peer's {@code accepting} until it ends. */
    boolean accepting;
    long peerNid;
    int peerPid;
    long peerIncarnation;
    int peerVersion;
    java.nio.ByteOrder peerOrder;
    /** Passive: the hello's {@code kshm_dst_pid}, which the reply writes back (0 for V1). */
    int echoedDstPid;
    /** Passive: the hello's {@code kshm_dst_incarnation}, which the reply writes back (0 for V1). */
    long echoedDstIncarnation;

    Handshake(final long id, final boolean active, final NativeSocket socket, final InetSocketAddress remote)
    {
        this.id = id;
        this.active = active;
        this.socket = socket;
        this.remote = remote;
    }

    /**
     * Passive side, its hello in: count in the peer's {@code accepting} until the exchange ends.
     *
     * @param record the peer named by the hello.
     */
    void beginAccepting(final PeerRecord record)
    {
        this.record = record;
        accepting = true;
        record.accepting++;
    }

    /**
     * Leave the peer's {@code accepting}, once.
     *
     * @param nowNs the time, from which the peer counts as idle.
     */
    void endAccepting(final long nowNs)
    {
        if (accepting)
        {
            accepting = false;
            record.accepting--;
            record.idleSinceNs = nowNs;
        }
    }

    /**
     * A passive connection counts toward its peer's connections from admission on; give the count back if
     * it never reaches the IO agent.
     *
     * @return true if it had been admitted.
     */
    boolean releaseAdmission()
    {
        if (active || !attachAfterWrite)
        {
            return false;
        }
        attachAfterWrite = false;
        record.connections[ctype]--;
        return true;
    }

    void expectRead(final int target, final long deadlineNs)
    {
        ioWait = WAIT_READ;
        readTarget = target;
        this.deadlineNs = deadlineNs;
    }

    void expectWrite(final int start, final int end, final long deadlineNs)
    {
        ioWait = WAIT_WRITE;
        writeStart = start;
        writeEnd = end;
        this.deadlineNs = deadlineNs;
    }

    void delayWrite(final int start, final int end, final long writeAtNs, final long deadlineNs)
    {
        ioWait = WAIT_DELAY;
        writeStart = start;
        writeEnd = end;
        this.writeAtNs = writeAtNs;
        this.deadlineNs = deadlineNs;
    }

    /**
     * Log text: direction, peer address, the peer's NID once known, and the type asked for (active side).
     */
    public String toString()
    {
        final StringBuilder text = new StringBuilder(active ? "connect to " : "accept from ").append(Addresses.text(remote));
        if (null != record)
        {
            text.append(' ').append(record);
        }
        if (active)
        {
            text.append(' ').append(ConnTypes.name(ctype));
        }
        return text.toString();
    }
}
