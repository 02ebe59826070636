package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.ConnTypes;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;

/**
 * One connection between TCP accept/connect and the end of its hello exchange, driven by the conductor
 * without blocking: bytes to write, bytes to read, a deadline.
 */
final class Handshake
{
    static final int CONNECTING = 1;
    static final int WRITING = 2;
    static final int READING = 3;
    /** Bytes ready to write, held until {@link #writeAtNs} (test-only simulated hello latency). */
    static final int DELAYED = 4;

    static final int BUFFER_CAPACITY = 512;

    final long id;
    final boolean active;
    final NativeSocket socket;
    final UnsafeBuffer buffer = DirectMemory.allocate(BUFFER_CAPACITY);
    final InetSocketAddress remote;
    InetSocketAddress local;

    /** Active side: the peer it is meant to reach and the type it asks for. */
    PeerRecord record;
    int ctype;
    int version;

    int state;
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

    Handshake(final long id, final boolean active, final NativeSocket socket, final InetSocketAddress remote)
    {
        this.id = id;
        this.active = active;
        this.socket = socket;
        this.remote = remote;
    }

    void expectRead(final int target, final long deadlineNs)
    {
        state = READING;
        readTarget = target;
        this.deadlineNs = deadlineNs;
    }

    void expectWrite(final int start, final int end, final long deadlineNs)
    {
        state = WRITING;
        writeStart = start;
        writeEnd = end;
        this.deadlineNs = deadlineNs;
    }

    void delayWrite(final int start, final int end, final long writeAtNs, final long deadlineNs)
    {
        state = DELAYED;
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
