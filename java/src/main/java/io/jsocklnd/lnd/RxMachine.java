package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.KsockChecksum;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.UnsafeAccess;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The receive side of one connection ({@code ksnc_rx_state}): KSM_HEADER, LNET_HEADER, PARSE, PARSE_WAIT,
 * LNET_PAYLOAD and SLOP, a V1 connection starting each message at LNET_HEADER. Bytes come from a
 * {@link ByteSource} (the socket, or memory in tests) into a receive buffer taken from the {@link Handler} while
 * there are any; a large payload is read straight into its destination. Checksums are checked where the peer
 * put one: over the whole message on V2, over the payload alone on V3. Bad input throws {@link ProtocolException}; from then on, as after {@link #close}, the machine reads
 * and tells nothing more. Non-blocking; every method does bounded work. Single writer: the IO agent.
 */
final class RxMachine
{
    static final int RX_KSM_HEADER = 1;
    static final int RX_LNET_HEADER = 2;
    static final int RX_PARSE = 3;
    static final int RX_PARSE_WAIT = 4;
    static final int RX_LNET_PAYLOAD = 5;
    static final int RX_SLOP = 6;
    /** Closed, or stopped by bad input: nothing more is read, consumed or told. */
    static final int RX_CLOSED = 7;

    static final int BUFFER_CAPACITY = 64 * 1024;
    private static final int READS_PER_CYCLE = 4;

    /**
     * Where the bytes come from: the connection's socket, or bytes in memory when driven without one.
     */
    @FunctionalInterface
    interface ByteSource
    {
        /**
         * Read up to {@code length} bytes into native memory.
         *
         * @param address where the bytes go.
         * @param length  room there.
         * @return bytes read, 0 when none is available now, -1 at the end of the stream.
         * @throws NativeIoException on a socket error.
         */
        int read(long address, int length) throws NativeIoException;
    }

    /**
     * What the machine needs from its agent, told in stream order. The connection is passed back as given.
     */
    interface Handler
    {
        /**
         * An LNet header arrived (PARSE): decide where its payload goes.
         *
         * @param c      the connection.
         * @param header the header, valid during the call.
         * @return the decision, read before the next call.
         */
        RxDecision onHeader(Connection c, LnetHeaderFlyweight header);

        /**
         * The payload of the last header is in (or dropped), its slop not yet skipped.
         *
         * @param c             the connection.
         * @param address       where it was stored, 0 if dropped.
         * @param received      bytes stored.
         * @param payloadLength bytes the message carried.
         */
        void onPayload(Connection c, long address, int received, int payloadLength);

        /**
         * A message that carried a ZC request cookie has been consumed: it is to be ACKed.
         *
         * @param c      the connection.
         * @param cookie {@code ksm_zc_cookies[0]}.
         */
        void onZcRequest(Connection c, long cookie);

        /**
         * A ksock header carried an ACK ({@code ksm_zc_cookies[1]} non-zero); may {@link #close} the machine.
         *
         * @param c       the connection.
         * @param noop    whether the carrier is a NOOP.
         * @param cookie0 {@code ksm_zc_cookies[0]}.
         * @param cookie1 {@code ksm_zc_cookies[1]}.
         */
        void onZcAck(Connection c, boolean noop, long cookie0, long cookie1);

        /**
         * The machine closed after {@link #onHeader} and before {@link #onPayload}: that message never completes.
         *
         * @param c      the connection.
         * @param status negative errno of the close.
         */
        void onReceiveAborted(Connection c, int status);

        /**
         * The LND's own look at an LNet header before the layer above sees it: its destination, and the
         * identity of a userspace peer written over its source ({@code ksocknal_process_receive}).
         *
         * @param c      the connection.
         * @param header the header, writable.
         * @return false if the connection was closed for it.
         */
        boolean checkHeader(Connection c, LnetHeaderFlyweight header);

        /**
         * A receive buffer of {@link #BUFFER_CAPACITY} bytes, held while it has bytes not yet consumed.
         *
         * @return the buffer.
         */
        UnsafeBuffer takeRxBuffer();

        /**
         * A receive buffer back, no longer read or written.
         *
         * @param buffer from {@link #takeRxBuffer()}.
         */
        void returnRxBuffer(UnsafeBuffer buffer);
    }

    private final Connection connection;
    private final Handler handler;
    private final ByteSource source;
    private final SocklndProtocol proto;
    /** Byte order of the peer's ksock headers, from its hello magic. */
    private final ByteOrder order;
    private final ConnectionCounters counters;
    private final Peer peer;
    private final int startState;
    private final KsockMsgFlyweight ksm = new KsockMsgFlyweight();
    private final LnetHeaderFlyweight lnetHeader = new LnetHeaderFlyweight();
    /** Checks received {@code ksm_csum} values where the protocol defines them (V2, V3); null on V1. */
    private final KsockChecksum csum;
    /** V3: a received checksum covers the payload alone. */
    private final boolean csumPayloadOnly;
    private final UnsafeBuffer csumPayload = new UnsafeBuffer(new byte[0]);
    private boolean csumActive;
    private int csumExpected;

    /** Holds bytes read and not yet consumed; taken from the handler only while there are any. */
    private UnsafeBuffer buffer;
    private long bufferAddress;
    private int state;
    private int start;
    private int end;
    /** The last read returned less than there was room for. */
    private boolean shortRead;
    private long zcCookie;
    private long targetAddress;
    private int mlength;
    private int received;
    private int payloadLength;
    private int slopRemaining;
    private long messageStartNs;
    /** The handler has seen this message's header but not yet its payload (PARSE_WAIT or LNET_PAYLOAD). */
    private boolean handlerPending;

    /**
     * @param connection passed back to the handler, never used here (may be null when driven without one).
     * @param handler    the agent.
     * @param source     where bytes come from.
     * @param proto      the connection's protocol.
     * @param order      byte order of the peer's ksock headers.
     * @param counters   the connection's counters.
     * @param peer       the peer, for its counters.
     */
    RxMachine(
        final Connection connection,
        final Handler handler,
        final ByteSource source,
        final SocklndProtocol proto,
        final ByteOrder order,
        final ConnectionCounters counters,
        final Peer peer)
    {
        this.connection = connection;
        this.handler = handler;
        this.source = source;
        this.proto = proto;
        this.order = order;
        this.counters = counters;
        this.peer = peer;
        this.startState = proto.rxStartState() == SocklndProtocol.RX_START_KSM_HEADER ? RX_KSM_HEADER : RX_LNET_HEADER;
        this.state = startState;
        this.csumPayloadOnly = proto.checksumsPayloadOnly();
        this.csum = proto.carriesChecksum() || csumPayloadOnly ? new KsockChecksum() : null;
    }

    int state()
    {
        return state;
    }

    /**
     * @return whether the machine sits between messages with nothing buffered.
     */
    boolean isIdle()
    {
        return state == startState && start == end;
    }

    boolean isParseWaiting()
    {
        return state == RX_PARSE_WAIT;
    }

    long messageStartNs()
    {
        return messageStartNs;
    }

    /**
     * Read what the source has and run the machine over it; nothing while a decision is awaited or once closed.
     *
     * @param nowNs the time, for the message's start.
     * @return work count: 1 for each read that returned bytes, plus the messages completed.
     * @throws NativeIoException on a socket error.
     * @throws ProtocolException on bad bytes from the peer.
     * @throws ConnectionClosedException when the peer closed the stream.
     */
    int onReadable(final long nowNs) throws NativeIoException
    {
        int work = 0;
        try
        {
            for (int i = 0; i < READS_PER_CYCLE && state != RX_PARSE_WAIT && state != RX_CLOSED; i++)
            {
                final int n = state == RX_LNET_PAYLOAD && start == end && mlength - received >= BUFFER_CAPACITY / 4 ?
                    readPayload() : readBuffered();
                if (n == 0)
                {
                    break;
                }
                if (n < 0)
                {
                    throw new ConnectionClosedException(isIdle() ? 0 : Errno.EPROTO);
                }
                work += 1 + process(nowNs);
                if (shortRead)
                {
                    // The socket had less than there was room for: it is empty now, or nearly. Another read would
                    // most likely find nothing; the level-triggered epoll set reports what arrives after.
                    break;
                }
            }
        }
        catch (final RuntimeException | NativeIoException ex)
        {
            state = RX_CLOSED;
            throw ex;
        }
        returnBufferIfEmpty();
        return work;
    }

    private int readPayload() throws NativeIoException
    {
        final int asked = mlength - received;
        final int n = source.read(targetAddress + received, asked);
        shortRead = n < asked;
        if (n > 0)
        {
            received += n;
            countBytesIn(n);
        }
        return n;
    }

    private int readBuffered() throws NativeIoException
    {
        if (null == buffer)
        {
            buffer = handler.takeRxBuffer();
            bufferAddress = DirectMemory.address(buffer, 0);
            start = 0;
            end = 0;
        }
        else if (end == BUFFER_CAPACITY)
        {
            compact();
        }
        final int asked = BUFFER_CAPACITY - end;
        final int n = source.read(bufferAddress + end, asked);
        shortRead = n < asked;
        if (n > 0)
        {
            end += n;
            countBytesIn(n);
        }
        return n;
    }

    private void countBytesIn(final int n)
    {
        counters.bytesIn.getAndAddOrdered(n);
        peer.bytesIn.getAndAddOrdered(n);
    }

    private void compact()
    {
        final int remaining = end - start;
        if (start > 0)
        {
            buffer.putBytes(0, buffer, start, remaining);
            start = 0;
            end = remaining;
        }
    }

    /**
     * Give the receive buffer back once every byte in it is consumed, unless a header in it still waits for
     * its decision: an idle connection holds none.
     */
    private void returnBufferIfEmpty()
    {
        if (start == end && state != RX_PARSE && state != RX_PARSE_WAIT)
        {
            releaseBuffer();
        }
    }

    private void releaseBuffer()
    {
        if (null != buffer)
        {
            handler.returnRxBuffer(buffer);
            buffer = null;
            bufferAddress = 0;
            start = 0;
            end = 0;
        }
    }

    /**
     * Stop for good, the connection closing: a message the handler has the header of and not the payload is
     * aborted, and the receive buffer goes back. Closing again does nothing.
     *
     * @param status negative errno of the close, for the aborted message.
     */
    void close(final int status)
    {
        state = RX_CLOSED;
        if (handlerPending)
        {
            handlerPending = false;
            handler.onReceiveAborted(connection, status);
        }
        releaseBuffer();
    }

    private int process(final long nowNs)
    {
        int messages = 0;
        while (true)
        {
            final int available = end - start;
            switch (state)
            {
                case RX_KSM_HEADER:
                {
                    if (available < KsockMsgFlyweight.LENGTH)
                    {
                        return messages;
                    }
                    messageStartNs = nowNs;
                    counters.ksmHeadersIn.incrementOrdered();
                    ksm.wrap(buffer, start, available, order);
                    final boolean noop = ksm.isNoop();
                    final long cookie0 = ksm.zcCookie0();
                    final long cookie1 = ksm.zcCookie1();
                    startChecksum(noop);
                    start += KsockMsgFlyweight.LENGTH;
                    if (cookie1 != 0)
                    {
                        handler.onZcAck(connection, noop, cookie0, cookie1);
                        if (state == RX_CLOSED)
                        {
                            return messages;
                        }
                    }
                    if (noop)
                    {
                        counters.noopsIn.incrementOrdered();
                        messages++;
                        break;
                    }
                    zcCookie = cookie0;
                    state = RX_LNET_HEADER;
                    break;
                }

                case RX_LNET_HEADER:
                {
                    if (available < LnetHeaderFlyweight.LENGTH)
                    {
                        return messages;
                    }
                    if (proto.framingLength() == 0)
                    {
                        messageStartNs = nowNs;
                    }
                    lnetHeader.wrap(buffer, start, LnetHeaderFlyweight.LENGTH);
                    if (csumActive && !csumPayloadOnly)
                    {
                        csum.update(buffer, start, LnetHeaderFlyweight.LENGTH);
                    }
                    if (!handler.checkHeader(connection, lnetHeader))
                    {
                        return messages;
                    }
                    payloadLength = lnetHeader.payloadLength();
                    state = RX_PARSE;
                    handlerPending = true;
                    final RxDecision decision = handler.onHeader(connection, lnetHeader);
                    if (state == RX_CLOSED)
                    {
                        return messages;
                    }
                    start += LnetHeaderFlyweight.LENGTH;
                    if (decision.isWait())
                    {
                        state = RX_PARSE_WAIT;
                        return messages;
                    }
                    receiveInto(decision.isDeliver() ? decision.address() : 0, decision.length());
                    break;
                }

                case RX_LNET_PAYLOAD:
                {
                    final int n = Math.min(mlength - received, available);
                    if (n > 0)
                    {
                        UnsafeAccess.UNSAFE.copyMemory(bufferAddress + start, targetAddress + received, n);
                        start += n;
                        received += n;
                    }
                    if (received < mlength)
                    {
                        return messages;
                    }
                    payloadComplete();
                    messages++;
                    break;
                }

                case RX_SLOP:
                {
                    final int n = Math.min(slopRemaining, available);
                    start += n;
                    slopRemaining -= n;
                    if (slopRemaining > 0)
                    {
                        return messages;
                    }
                    state = startState;
                    break;
                }

                case RX_PARSE_WAIT:
                case RX_CLOSED:
                default:
                    return messages;
            }
        }
    }

    /**
     * Continue after PARSE with the payload's destination; a dropped payload is complete at once.
     *
     * @param address  where the payload goes, 0 to drop it.
     * @param capacity bytes available there.
     */
    private void receiveInto(final long address, final int capacity)
    {
        targetAddress = address;
        mlength = address == 0 ? 0 : Math.min(capacity, payloadLength);
        received = 0;
        state = RX_LNET_PAYLOAD;
        if (mlength == 0)
        {
            payloadComplete();
        }
    }

    /**
     * Continue a message left in PARSE_WAIT with its payload's destination, and run over what is buffered.
     *
     * @param address  where the payload goes, 0 to drop it.
     * @param capacity bytes available there.
     * @param nowNs    the time.
     * @return false if no decision was awaited (nothing done).
     * @throws ProtocolException on bad bytes from the peer.
     */
    boolean resume(final long address, final int capacity, final long nowNs)
    {
        if (state != RX_PARSE_WAIT)
        {
            return false;
        }
        try
        {
            receiveInto(address, capacity);
            if (null != buffer)
            {
                process(nowNs);
            }
        }
        catch (final RuntimeException ex)
        {
            state = RX_CLOSED;
            throw ex;
        }
        returnBufferIfEmpty();
        return true;
    }

    /**
     * Begins checking a message that carries a checksum: on V2 from the ksock header with {@code ksm_csum} as 0,
     * on V3 from nothing (the payload alone counts). A NOOP is checked at once. The header is still at
     * {@code start}.
     */
    private void startChecksum(final boolean noop)
    {
        csumActive = false;
        if (null == csum || ksm.csum() == 0)
        {
            return;
        }
        if (csumPayloadOnly)
        {
            csum.reset();
        }
        else
        {
            csum.startV2(buffer, start, KsockMsgFlyweight.LENGTH);
        }
        csumExpected = ksm.csum();
        csumActive = true;
        if (noop)
        {
            checkChecksum("NOOP");
        }
    }

    private void checkChecksum(final String what)
    {
        csumActive = false;
        final int computed = csum.value();
        if (computed != csumExpected)
        {
            peer.checksumErrors.incrementOrdered();
            throw ProtocolException.hex("bad ksock msg", "ksm_csum", csumExpected & 0xFFFF_FFFFL,
                what + " checksum mismatch, computed=0x" + Integer.toHexString(computed));
        }
    }

    private void payloadComplete()
    {
        if (csumActive)
        {
            // Checked only when the whole payload was received, not truncated or dropped, as the kernel does.
            if (mlength == payloadLength)
            {
                if (mlength > 0)
                {
                    csumPayload.wrap(targetAddress, mlength);
                    csum.update(csumPayload, 0, mlength);
                }
                checkChecksum("LNET");
            }
            csumActive = false;
        }
        counters.msgsIn.incrementOrdered();
        peer.msgsIn.incrementOrdered();
        handlerPending = false;
        final long cookie = zcCookie;
        zcCookie = 0;
        slopRemaining = payloadLength - mlength;
        state = slopRemaining > 0 ? RX_SLOP : startState;
        handler.onPayload(connection, targetAddress, mlength, payloadLength);
        if (cookie != 0 && state != RX_CLOSED)
        {
            handler.onZcRequest(connection, cookie);
        }
    }
}
