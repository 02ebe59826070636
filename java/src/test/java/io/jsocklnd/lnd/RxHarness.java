package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.ProtocolException;
import io.jsocklnd.wire.WireConstants;
import org.agrona.BufferUtil;
import org.agrona.UnsafeAccess;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Drives an {@link RxMachine} without a socket and checks how it behaves. Its bytes come from memory in pieces of
 * chosen sizes (with reads that find nothing in between); its handler decides the fate of each payload from a list
 * of decision bytes (deliver with room to spare, truncate, drop, or await and resume later) and logs what it is
 * told, in order. Every receive buffer and destination it hands out has guard bytes on both sides, checked after
 * every step; every read must land inside a buffer handed out and not given back; a buffer given back is poisoned.
 * Once the machine has failed or closed, it may only abort the receive in progress and give its buffer back:
 * any read or other call is a failure. Reusable, one run at a time.
 */
final class RxHarness implements RxMachine.Handler, RxMachine.ByteSource
{
    /** Decision kind: deliver with {@code extra} bytes of room over the payload. */
    static final int DELIVER = 0;
    /** Decision kind: deliver into {@code extra + 1} bytes less than the payload (none if it is smaller). */
    static final int TRUNCATE = 1;
    /** Decision kind: drop the payload. */
    static final int DROP = 2;
    /**
     * Decision kind: await, then resume with the kind {@code extra % 3} and the extra {@code extra / 3}; with the
     * extra {@link #NEVER} the run ends there, the decision still awaited.
     */
    static final int AWAIT = 3;
    /** The extra of an {@link #AWAIT} that is never resumed. */
    static final int NEVER = 63;

    private static final int GUARD = 64;
    private static final byte[] GUARD_BYTES = new byte[GUARD];
    private static final byte POISON_BYTE = (byte)0xDD;
    private static final int CAPACITY = RxMachine.BUFFER_CAPACITY;
    /** The largest destination a decision gives: the largest payload with room to spare. */
    private static final int MAX_DESTINATION = WireConstants.LNET_MAX_PAYLOAD + 256;
    private static final byte[] NO_SPLITS = new byte[0];

    private final int maxPieces;
    private final CounterSet counterSet = new CounterSet();
    private final ConnectionCounters counters = new ConnectionCounters(counterSet, "conn#0 rx");
    private final Peer peer = new Peer(RxStreams.SRC_NID, counterSet, 0);
    private final ByteBuffer destinationMemory = ByteBuffer.allocateDirect(MAX_DESTINATION + 2 * GUARD);
    private final long destinationStart = BufferUtil.address(destinationMemory) + GUARD;
    private final ArrayDeque<UnsafeBuffer> spareBuffers = new ArrayDeque<>();
    private final List<UnsafeBuffer> allBuffers = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final RxDecision decision = new RxDecision();
    private final CRC32 crc = new CRC32();
    private final byte[] crcScratch = new byte[4096];
    private final byte[] guardScratch = new byte[GUARD];

    static
    {
        Arrays.fill(GUARD_BYTES, (byte)0xA5);
    }

    private RxMachine machine;
    private UnsafeBuffer held;
    private byte[] stream;
    private int position;
    private byte[] splits;
    private int splitIndex;
    private boolean lastReadEmpty;
    private boolean endOfStream;
    private boolean readsForbidden;
    private boolean stopped;
    private byte[] decisions;
    private int headers;
    private int resumeWith;
    private boolean payloadDue;
    private int payloadLength;
    private long destination;
    private int destinationCapacity;
    private int closeAtAck;
    private int acks;

    /**
     * @param maxPieces how many reads follow the piece sizes of a run; the later ones take all they have room for.
     */
    RxHarness(final int maxPieces)
    {
        this.maxPieces = maxPieces;
    }

    /**
     * Run a stream through a new machine in one piece: every read takes all it has room for.
     *
     * @see #run(SocklndProtocol, ByteOrder, byte[], byte[], byte[], int, boolean)
     */
    List<String> runWhole(
        final SocklndProtocol proto,
        final ByteOrder order,
        final byte[] stream,
        final byte[] decisions,
        final int closeAtAck,
        final boolean endOfStream)
    {
        return run(proto, order, stream, NO_SPLITS, decisions, closeAtAck, endOfStream);
    }

    /**
     * Run a stream through a new machine until it is used up (then, if asked, the end of the stream), the machine
     * fails, or the handler closes it; then close it like the agent does and check it gives everything back.
     *
     * @param proto       the connection's protocol.
     * @param order       byte order of the ksock headers.
     * @param stream      the bytes.
     * @param splits      sizes of the pieces, used in turn: {@code n} in 1..127 gives {@code n} bytes, 128..255 gives
     *                    {@code (n - 127) * 1024}, and 0 a read that finds nothing; none: one piece. Past the
     *                    harness's {@code maxPieces} reads, every read takes all it has room for.
     * @param decisions   decision bytes used in turn, one per header: the kind in the low two bits, the extra above.
     * @param closeAtAck  close the machine at this ZC-ACK (counted from 1), as the agent does on an unknown cookie;
     *                    0 for never.
     * @param endOfStream whether the peer closes the stream once it is used up.
     * @return the events, one line each.
     */
    List<String> run(
        final SocklndProtocol proto,
        final ByteOrder order,
        final byte[] stream,
        final byte[] splits,
        final byte[] decisions,
        final int closeAtAck,
        final boolean endOfStream)
    {
        start(proto, order, stream, splits, decisions, closeAtAck);
        long nowNs = 0;
        boolean ended = false;
        boolean closed = true;
        try
        {
            while (true)
            {
                final int work = machine.onReadable(++nowNs);
                checkGuards();
                if (machine.isParseWaiting())
                {
                    assertEquals(0, readForbidden(nowNs), "read while a decision is awaited");
                    if (resumeWith == NEVER)
                    {
                        break;
                    }
                    resume(nowNs);
                    checkGuards();
                }
                else if (machine.state() == RxMachine.RX_CLOSED || (work == 0 && position == stream.length && ended))
                {
                    break;
                }
                else if (work == 0 && position == stream.length)
                {
                    if (!endOfStream)
                    {
                        break;
                    }
                    ended = true;
                    this.endOfStream = true;
                }
            }
            closed = machine.state() == RxMachine.RX_CLOSED;
        }
        catch (final ProtocolException ex)
        {
            events.add("error " + ex.getMessage());
        }
        catch (final ConnectionClosedException ex)
        {
            assertTrue(this.endOfStream && position == stream.length, "closed before the end of the stream");
            events.add("end of stream errno=" + ex.errno);
        }
        catch (final NativeIoException ex)
        {
            fail(ex);
        }
        finish(closed);
        return new ArrayList<>(events);
    }

    /**
     * @param kind  {@link #DELIVER}, {@link #TRUNCATE}, {@link #DROP} or {@link #AWAIT}.
     * @param extra 0 to 63.
     * @return the decision byte.
     */
    static byte decision(final int kind, final int extra)
    {
        return (byte)(kind | extra << 2);
    }

    /**
     * @param kind  what to resume with: {@link #DELIVER}, {@link #TRUNCATE} or {@link #DROP}.
     * @param extra 0 to 20.
     * @return the decision byte of an await resumed so.
     */
    static byte awaitThen(final int kind, final int extra)
    {
        return decision(AWAIT, kind + 3 * extra);
    }

    ConnectionCounters counters()
    {
        return counters;
    }

    Peer peer()
    {
        return peer;
    }

    static String headerEvent(final LnetHeaderFlyweight header)
    {
        return "header type=" + header.type() + " length=" + header.payloadLength() +
            " src=" + Long.toHexString(header.srcNid()) + ":" + header.srcPid() +
            " dst=" + Long.toHexString(header.destNid()) + ":" + header.destPid() +
            " match=" + Long.toHexString(header.matchBits());
    }

    static String payloadEvent(final int stored, final int length, final int crc)
    {
        return "payload stored=" + stored + " length=" + length + " crc=" + Integer.toHexString(crc);
    }

    static String zcRequestEvent(final long cookie)
    {
        return "zc request " + Long.toUnsignedString(cookie);
    }

    static String ackEvent(final boolean noop, final long cookie0, final long cookie1)
    {
        return "zc ack " + (noop ? "NOOP " : "LNET ") + Long.toUnsignedString(cookie0) + " " +
            Long.toUnsignedString(cookie1);
    }

    private void start(
        final SocklndProtocol proto,
        final ByteOrder order,
        final byte[] stream,
        final byte[] splits,
        final byte[] decisions,
        final int closeAtAck)
    {
        this.machine = new RxMachine(null, this, this, proto, order, counters, peer);
        this.stream = stream;
        this.position = 0;
        this.splits = splits;
        this.splitIndex = 0;
        this.lastReadEmpty = false;
        this.endOfStream = false;
        this.readsForbidden = false;
        this.stopped = false;
        this.decisions = decisions;
        this.headers = 0;
        this.payloadDue = false;
        this.destination = 0;
        this.destinationCapacity = 0;
        this.closeAtAck = closeAtAck;
        this.acks = 0;
        this.held = null;
        this.events.clear();
        setGuard(destinationStart - GUARD);
        setGuard(destinationStart);
    }

    private void resume(final long nowNs)
    {
        final int kind = resumeWith % 3;
        decide(kind, resumeWith / 3);
        assertTrue(machine.resume(destination, destinationCapacity, nowNs), "resume refused");
    }

    /**
     * Once the machine has failed (bad input, the end of the stream) or was closed by the handler it takes
     * nothing more; then it is closed, twice,
     * as the agent closes a connection, and must have given back its buffer and finished or aborted every message.
     */
    private void finish(final boolean closed)
    {
        if (closed)
        {
            assertEquals(RxMachine.RX_CLOSED, machine.state(), "not closed after failing");
            stopped = true;
            assertEquals(0, readForbidden(0), "read after failing");
            assertFalse(machine.resume(destinationStart, 1, 0), "resumed after failing");
        }
        if (machine.isIdle())
        {
            assertNull(held, "an idle machine holds a receive buffer");
        }
        stopped = true;
        machine.close(-Errno.ECONNRESET);
        machine.close(-Errno.ECONNRESET);
        assertEquals(0, readForbidden(0), "read after closing");
        assertNull(held, "a receive buffer was not given back");
        assertFalse(payloadDue, "a message was neither completed nor aborted");
        checkGuards();
    }

    private int readForbidden(final long nowNs)
    {
        readsForbidden = true;
        try
        {
            return machine.onReadable(nowNs);
        }
        catch (final NativeIoException ex)
        {
            return fail(ex);
        }
        finally
        {
            readsForbidden = false;
        }
    }

    public int read(final long address, final int length)
    {
        assertFalse(readsForbidden, "read when the machine must not read");
        assertTrue(length > 0, "empty read");
        final boolean inBuffer = null != held && address >= held.addressOffset() &&
            address + length <= held.addressOffset() + CAPACITY;
        final boolean inDestination = destination != 0 && address >= destination &&
            address + length <= destination + destinationCapacity;
        assertTrue(inBuffer || inDestination, "read outside the buffers handed out: length=" + length);
        if (position == stream.length)
        {
            return endOfStream ? -1 : 0;
        }
        int piece = stream.length - position;
        if (splits.length > 0 && splitIndex < maxPieces)
        {
            final int split = splits[splitIndex++ % splits.length] & 0xFF;
            if (split == 0 && !lastReadEmpty)
            {
                lastReadEmpty = true;
                return 0;
            }
            piece = split < 128 ? Math.max(1, split) : (split - 127) * 1024;
        }
        lastReadEmpty = false;
        final int n = Math.min(length, Math.min(piece, stream.length - position));
        UnsafeAccess.UNSAFE.copyMemory(stream, UnsafeAccess.ARRAY_BYTE_BASE_OFFSET + position, null, address, n);
        position += n;
        return n;
    }

    public RxDecision onHeader(final Connection c, final LnetHeaderFlyweight header)
    {
        checkRunning(c);
        assertFalse(payloadDue, "a header before the last payload");
        events.add(headerEvent(header));
        payloadDue = true;
        payloadLength = header.payloadLength();
        final int d = decisions.length == 0 ? 0 : decisions[headers % decisions.length] & 0xFF;
        headers++;
        decision.clear();
        if ((d & 3) == AWAIT)
        {
            resumeWith = d >>> 2;
            decision.await();
        }
        else
        {
            decide(d & 3, d >>> 2);
            if ((d & 3) == DROP)
            {
                decision.drop();
            }
            else
            {
                decision.deliverTo(destination, destinationCapacity);
            }
        }
        return decision;
    }

    private void decide(final int kind, final int extra)
    {
        destination = destinationStart;
        destinationCapacity = kind == DELIVER ? payloadLength + extra : Math.max(0, payloadLength - 1 - extra);
        if (kind == DROP)
        {
            destination = 0;
            destinationCapacity = 0;
        }
        setGuard(destinationStart + destinationCapacity);
    }

    public void onPayload(final Connection c, final long address, final int received, final int payloadLength)
    {
        checkRunning(c);
        assertTrue(payloadDue, "a payload without a header");
        assertEquals(this.payloadLength, payloadLength, "payload length");
        assertEquals(destination, address, "payload address");
        assertEquals(Math.min(destinationCapacity, payloadLength), received, "bytes stored");
        checkGuards();
        payloadDue = false;
        destination = 0;
        events.add(payloadEvent(received, payloadLength, crcOf(address, received)));
    }

    public void onZcRequest(final Connection c, final long cookie)
    {
        checkRunning(c);
        assertNotEquals(0, cookie);
        assertTrue(events.get(events.size() - 1).startsWith("payload "), "a ZC request not right after its payload");
        events.add(zcRequestEvent(cookie));
    }

    public void onZcAck(final Connection c, final boolean noop, final long cookie0, final long cookie1)
    {
        checkRunning(c);
        assertNotEquals(0, cookie1);
        events.add(ackEvent(noop, cookie0, cookie1));
        if (++acks == closeAtAck)
        {
            events.add("closed at the ack");
            stopped = true;
            machine.close(-Errno.EPROTO);
        }
    }

    public void onReceiveAborted(final Connection c, final int status)
    {
        assertNull(c);
        assertTrue(payloadDue, "aborted a message that was not due");
        payloadDue = false;
        destination = 0;
        events.add("aborted " + status);
    }

    public UnsafeBuffer takeRxBuffer()
    {
        assertFalse(stopped, "took a receive buffer after failing or closing");
        assertNull(held, "a second receive buffer taken");
        UnsafeBuffer buffer = spareBuffers.poll();
        if (null == buffer)
        {
            buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY + 2 * GUARD), GUARD, CAPACITY);
            allBuffers.add(buffer);
            setGuard(buffer.addressOffset() - GUARD);
            setGuard(buffer.addressOffset() + CAPACITY);
        }
        held = buffer;
        return buffer;
    }

    public boolean checkHeader(final Connection c, final LnetHeaderFlyweight header)
    {
        return true;
    }

    public void returnRxBuffer(final UnsafeBuffer buffer)
    {
        assertTrue(buffer == held, "gave back a buffer it does not hold");
        held = null;
        buffer.setMemory(0, CAPACITY, POISON_BYTE);
        spareBuffers.add(buffer);
    }

    private void checkRunning(final Connection c)
    {
        assertNull(c);
        assertFalse(stopped, "told the handler something after failing or closing");
    }

    private int crcOf(final long address, final int length)
    {
        crc.reset();
        for (int done = 0; done < length; done += crcScratch.length)
        {
            final int n = Math.min(crcScratch.length, length - done);
            UnsafeAccess.UNSAFE.copyMemory(null, address + done, crcScratch, UnsafeAccess.ARRAY_BYTE_BASE_OFFSET, n);
            crc.update(crcScratch, 0, n);
        }
        return (int)crc.getValue();
    }

    private static void setGuard(final long address)
    {
        UnsafeAccess.UNSAFE.copyMemory(GUARD_BYTES, UnsafeAccess.ARRAY_BYTE_BASE_OFFSET, null, address, GUARD);
    }

    private void checkGuards()
    {
        checkGuard(destinationStart - GUARD, "before the destination");
        checkGuard(destinationStart + destinationCapacity, "after the destination");
        for (final UnsafeBuffer buffer : allBuffers)
        {
            checkGuard(buffer.addressOffset() - GUARD, "before a receive buffer");
            checkGuard(buffer.addressOffset() + CAPACITY, "after a receive buffer");
        }
    }

    private void checkGuard(final long address, final String where)
    {
        UnsafeAccess.UNSAFE.copyMemory(null, address, guardScratch, UnsafeAccess.ARRAY_BYTE_BASE_OFFSET, GUARD);
        final int at = Arrays.mismatch(GUARD_BYTES, guardScratch);
        if (at >= 0)
        {
            fail("written " + where + " at +" + at);
        }
    }
}
