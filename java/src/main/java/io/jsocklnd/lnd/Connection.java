package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.IovecArrayFlyweight;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIo;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.KsockChecksum;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.UnsafeAccess;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * One established socklnd connection, owned by an IO agent: the RX state machine ({@code ksnc_rx_state})
 * and the TX queue with the sends being written. Non-blocking; every method does bounded work.
 */
final class Connection
{
    static final int RX_KSM_HEADER = 1;
    static final int RX_LNET_HEADER = 2;
    static final int RX_PARSE = 3;
    static final int RX_PARSE_WAIT = 4;
    static final int RX_LNET_PAYLOAD = 5;
    static final int RX_SLOP = 6;

    static final int RX_BUFFER_CAPACITY = 64 * 1024;
    static final int MAX_GATHER = 32;
    private static final int READS_PER_CYCLE = 4;
    private static final int WRITES_PER_CYCLE = 4;

    final long id;
    final Peer peer;
    final NativeSocket socket;
    final int ctype;
    final SocklndProtocol proto;
    /** Byte order of the peer's ksock headers, from its hello magic; ours are always little-endian. */
    final ByteOrder order;
    final String label;
    /** The peer's address, for log lines. */
    final String remote;
    final TxQueue queue = new TxQueue();
    final ConnectionCounters counters;

    private final IoAgent agent;
    /** Holds bytes read and not yet consumed; taken from the agent's pool only while there are any. */
    private UnsafeBuffer rxBuffer;
    private long rxBufferAddress;
    private final KsockMsgFlyweight ksm = new KsockMsgFlyweight();
    private final LnetHeaderFlyweight lnetHeader = new LnetHeaderFlyweight();
    /** The agent's write scratch: a gather list is built and written within one flush, so connections share it. */
    private final IoAgent.TxScratch txScratch;
    private final EngineTx[] writing = new EngineTx[MAX_GATHER];
    /** ACKed MSG_ZEROCOPY sends whose pages the kernel has not released yet. */
    private final ArrayDeque<EngineTx> awaitingKernelRelease = new ArrayDeque<>();
    private ZeroCopyWriter zcWriter;
    /** Checks received {@code ksm_csum} values where the protocol defines them (V2); null elsewhere. */
    private final KsockChecksum rxCsum;
    private final UnsafeBuffer rxCsumPayload = new UnsafeBuffer(new byte[0]);
    private boolean rxCsumActive;
    private int rxCsumExpected;
    /** Fills in {@code ksm_csum} of sends when {@code enable_csum} is set on a V2 connection; null elsewhere. */
    private final KsockChecksum txCsum;
    private final UnsafeBuffer txCsumPayload = new UnsafeBuffer(new byte[0]);

    private int writingCount;
    private long queuedBytes;
    private boolean wantWrite;
    boolean closing;

    private int rxState;
    private int rxStart;
    private int rxEnd;
    private long rxZcCookie;
    private long rxTargetAddress;
    private int rxMlength;
    private int rxReceived;
    private int rxPayloadLength;
    private int rxSlopRemaining;
    private long rxMessageStartNs;
    /** The layer above has seen this message's header but not yet its payload (PARSE_WAIT or LNET_PAYLOAD). */
    private boolean rxHandlerPending;
    long lastRxNs;
    long lastTxProgressNs;
    long lastKeepaliveNs;

    Connection(
        final IoAgent agent,
        final long id,
        final Peer peer,
        final NativeSocket socket,
        final int ctype,
        final SocklndProtocol proto,
        final ByteOrder order,
        final ConnectionCounters counters,
        final String remote,
        final long nowNs)
    {
        this.agent = agent;
        this.txScratch = agent.txScratch;
        this.id = id;
        this.peer = peer;
        this.socket = socket;
        this.ctype = ctype;
        this.proto = proto;
        this.order = order;
        this.counters = counters;
        this.label = counters.label();
        this.remote = remote;
        this.rxState = startState();
        this.rxCsum = proto.carriesChecksum() ? new KsockChecksum() : null;
        this.txCsum = proto.carriesChecksum() && agent.config().enableCsum() ? new KsockChecksum() : null;
        this.lastRxNs = nowNs;
        this.lastTxProgressNs = nowNs;
        this.lastKeepaliveNs = nowNs;
    }

    private int startState()
    {
        return proto.rxStartState() == SocklndProtocol.RX_START_KSM_HEADER ? RX_KSM_HEADER : RX_LNET_HEADER;
    }

    int rxState()
    {
        return rxState;
    }

    /**
     * @return whether the layer above was told of a header whose payload it has not been given, clearing it so
     * that the receive is aborted once.
     */
    boolean takeRxHandlerPending()
    {
        final boolean pending = rxHandlerPending;
        rxHandlerPending = false;
        return pending;
    }

    long queuedBytes()
    {
        return queuedBytes;
    }

    boolean hasPendingTx()
    {
        return writingCount > 0 || !queue.isEmpty();
    }

    boolean isRxIdle()
    {
        return rxState == startState() && rxStart == rxEnd;
    }

    long rxMessageStartNs()
    {
        return rxMessageStartNs;
    }

    /**
     * Wire size used to match a send to a connection type ({@code tx_nob}).
     */
    int matchSize(final EngineTx tx)
    {
        final int lnet = tx.type() == Tx.TYPE_LNET ? LnetHeaderFlyweight.LENGTH + tx.payloadLength : 0;
        return proto.framingLength() + lnet;
    }

    /**
     * Queue a send on this connection through the protocol's rules.
     */
    void enqueue(final EngineTx tx, final long nowNs)
    {
        tx.connection = this;
        tx.queuedAtNs = nowNs;
        if (tx.type() == Tx.TYPE_LNET)
        {
            // Only now, with the connection chosen, is it known whether the peer can ACK a ZC request.
            if (tx.payloadLength >= agent.zcMinPayload && agent.zcEnabled && proto.zcCapable())
            {
                tx.zcCookie = peer.zcRequests.register(tx, nowNs + agent.zcTimeoutNs);
                tx.cookies().set(tx.zcCookie, 0);
                tx.payloadPath = tx.fileFd >= 0 ? EngineTx.PAYLOAD_SENDFILE : EngineTx.PAYLOAD_ZERO_COPY;
            }
            else
            {
                tx.payloadPath = tx.fileFd >= 0 ? EngineTx.PAYLOAD_SENDFILE : EngineTx.PAYLOAD_COPY;
            }
            final Tx displaced = proto.queueMessage(queue, tx);
            queuedBytes += proto.framingLength() + LnetHeaderFlyweight.LENGTH + (long)tx.payloadLength;
            if (null != displaced)
            {
                queuedBytes -= proto.framingLength();
                counters.noopsMerged.incrementOrdered();
                agent.zcNoopsMerged.incrementOrdered();
                agent.recycle((EngineTx)displaced);
            }
        }
        else
        {
            final Tx carrier = queue.carrier();
            final boolean onMessage = null != carrier && carrier.type() == Tx.TYPE_LNET;
            if (proto.queueAck(queue, ctype, tx))
            {
                if (onMessage)
                {
                    counters.acksPiggybacked.incrementOrdered();
                    agent.zcAcksPiggybacked.incrementOrdered();
                }
                else
                {
                    counters.noopsMerged.incrementOrdered();
                    agent.zcNoopsMerged.incrementOrdered();
                }
                agent.recycle(tx);
            }
            else
            {
                queuedBytes += proto.framingLength();
            }
        }
    }

    /**
     * Read what the socket has and run the RX state machine over it.
     *
     * @return work count.
     * @throws NativeIoException on a socket error.
     * @throws ProtocolException on bad bytes from the peer.
     * @throws ConnectionClosedException when the peer closed the stream.
     */
    int onReadable(final long nowNs) throws NativeIoException
    {
        int work = 0;
        for (int i = 0; i < READS_PER_CYCLE && rxState != RX_PARSE_WAIT && !closing; i++)
        {
            final int n;
            if (rxState == RX_LNET_PAYLOAD && rxStart == rxEnd && rxMlength - rxReceived >= RX_BUFFER_CAPACITY / 4)
            {
                n = socket.read(rxTargetAddress + rxReceived, rxMlength - rxReceived);
                if (n > 0)
                {
                    rxReceived += n;
                    counters.bytesIn.getAndAddOrdered(n);
                    peer.bytesIn.getAndAddOrdered(n);
                }
            }
            else
            {
                if (null == rxBuffer)
                {
                    takeRxBuffer();
                }
                else if (rxEnd == RX_BUFFER_CAPACITY)
                {
                    compactRx();
                }
                n = socket.read(rxBufferAddress + rxEnd, RX_BUFFER_CAPACITY - rxEnd);
                if (n > 0)
                {
                    rxEnd += n;
                    counters.bytesIn.getAndAddOrdered(n);
                    peer.bytesIn.getAndAddOrdered(n);
                }
            }

            if (n == 0)
            {
                break;
            }
            if (n < 0)
            {
                throw new ConnectionClosedException(isRxIdle() ? 0 : Errno.EPROTO);
            }
            lastRxNs = nowNs;
            peer.lastAliveNs = nowNs;
            work += 1 + processRx(nowNs);
        }
        returnRxBufferIfEmpty();
        return work;
    }

    private void takeRxBuffer()
    {
        rxBuffer = agent.takeRxBuffer();
        rxBufferAddress = DirectMemory.address(rxBuffer, 0);
        rxStart = 0;
        rxEnd = 0;
    }

    /**
     * Give the receive buffer back once every byte in it is consumed, unless a header in it still waits for
     * its decision: an idle connection holds none.
     */
    private void returnRxBufferIfEmpty()
    {
        if (rxStart == rxEnd && rxState != RX_PARSE && rxState != RX_PARSE_WAIT)
        {
            releaseRxBuffer();
        }
    }

    /**
     * Give the receive buffer back, whatever it holds (also when the connection closes).
     */
    void releaseRxBuffer()
    {
        if (null != rxBuffer)
        {
            agent.returnRxBuffer(rxBuffer);
            rxBuffer = null;
            rxBufferAddress = 0;
            rxStart = 0;
            rxEnd = 0;
        }
    }

    private void compactRx()
    {
        final int remaining = rxEnd - rxStart;
        if (rxStart > 0)
        {
            rxBuffer.putBytes(0, rxBuffer, rxStart, remaining);
            rxStart = 0;
            rxEnd = remaining;
        }
    }

    private int processRx(final long nowNs)
    {
        int messages = 0;
        while (true)
        {
            final int available = rxEnd - rxStart;
            switch (rxState)
            {
                case RX_KSM_HEADER:
                {
                    if (available < KsockMsgFlyweight.LENGTH)
                    {
                        return messages;
                    }
                    rxMessageStartNs = nowNs;
                    counters.ksmHeadersIn.incrementOrdered();
                    ksm.wrap(rxBuffer, rxStart, available, order);
                    final boolean noop = ksm.isNoop();
                    final long cookie0 = ksm.zcCookie0();
                    final long cookie1 = ksm.zcCookie1();
                    startChecksum(noop);
                    rxStart += KsockMsgFlyweight.LENGTH;
                    if (cookie1 != 0)
                    {
                        agent.onZcAck(this, noop, cookie0, cookie1);
                        if (closing)
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
                    rxZcCookie = cookie0;
                    rxState = RX_LNET_HEADER;
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
                        rxMessageStartNs = nowNs;
                    }
                    lnetHeader.wrap(rxBuffer, rxStart, LnetHeaderFlyweight.LENGTH);
                    if (rxCsumActive)
                    {
                        rxCsum.update(rxBuffer, rxStart, LnetHeaderFlyweight.LENGTH);
                    }
                    rxPayloadLength = lnetHeader.payloadLength();
                    rxState = RX_PARSE;
                    rxHandlerPending = true;
                    final RxDecision decision = agent.parse(this, lnetHeader);
                    rxStart += LnetHeaderFlyweight.LENGTH;
                    applyDecision(decision);
                    break;
                }

                case RX_LNET_PAYLOAD:
                {
                    final int wanted = rxMlength - rxReceived;
                    final int n = Math.min(wanted, available);
                    if (n > 0)
                    {
                        UnsafeAccess.UNSAFE.copyMemory(rxBufferAddress + rxStart, rxTargetAddress + rxReceived, n);
                        rxStart += n;
                        rxReceived += n;
                    }
                    if (rxReceived < rxMlength)
                    {
                        return messages;
                    }
                    payloadComplete();
                    messages++;
                    break;
                }

                case RX_SLOP:
                {
                    final int n = Math.min(rxSlopRemaining, available);
                    rxStart += n;
                    rxSlopRemaining -= n;
                    if (rxSlopRemaining > 0)
                    {
                        return messages;
                    }
                    rxState = startState();
                    break;
                }

                case RX_PARSE_WAIT:
                default:
                    return messages;
            }
        }
    }

    private void applyDecision(final RxDecision decision)
    {
        if (decision.isWait())
        {
            rxState = RX_PARSE_WAIT;
            return;
        }
        resume(decision.isDeliver() ? decision.address() : 0, decision.isDeliver() ? decision.length() : 0);
    }

    /**
     * Continue after PARSE or PARSE_WAIT with the payload's destination (0 length drops it).
     */
    void resume(final long address, final int capacity)
    {
        rxTargetAddress = address;
        rxMlength = address == 0 ? 0 : Math.min(capacity, rxPayloadLength);
        rxReceived = 0;
        rxState = RX_LNET_PAYLOAD;
        if (rxMlength == 0)
        {
            payloadComplete();
        }
    }

    boolean isParseWaiting()
    {
        return rxState == RX_PARSE_WAIT;
    }

    /**
     * Continue reading what is already buffered after a deferred decision.
     */
    int processBuffered(final long nowNs)
    {
        final int messages = null == rxBuffer ? 0 : processRx(nowNs);
        returnRxBufferIfEmpty();
        return messages;
    }

    /**
     * Begins checking a V2 message that carries a checksum: the ksock header with {@code ksm_csum} as 0 (a NOOP
     * is checked at once). The header is still at {@code rxStart}.
     */
    private void startChecksum(final boolean noop)
    {
        rxCsumActive = false;
        if (null == rxCsum || ksm.csum() == 0)
        {
            return;
        }
        rxCsum.startV2(rxBuffer, rxStart, KsockMsgFlyweight.LENGTH);
        rxCsumExpected = ksm.csum();
        rxCsumActive = true;
        if (noop)
        {
            checkChecksum("NOOP");
        }
    }

    private void checkChecksum(final String what)
    {
        rxCsumActive = false;
        final int computed = rxCsum.value();
        if (computed != rxCsumExpected)
        {
            peer.checksumErrors.incrementOrdered();
            throw ProtocolException.hex("bad ksock msg", "ksm_csum", rxCsumExpected & 0xFFFF_FFFFL,
                what + " checksum mismatch, computed=0x" + Integer.toHexString(computed));
        }
    }

    private void payloadComplete()
    {
        if (rxCsumActive)
        {
            // Checked only when the whole payload was received, not truncated or dropped, as the kernel does.
            if (rxMlength == rxPayloadLength)
            {
                if (rxMlength > 0)
                {
                    rxCsumPayload.wrap(rxTargetAddress, rxMlength);
                    rxCsum.update(rxCsumPayload, 0, rxMlength);
                }
                checkChecksum("LNET");
            }
            rxCsumActive = false;
        }
        counters.msgsIn.incrementOrdered();
        peer.msgsIn.incrementOrdered();
        rxHandlerPending = false;
        agent.onPayload(this, rxTargetAddress, rxMlength, rxPayloadLength);
        final long zcCookie = rxZcCookie;
        rxZcCookie = 0;
        if (zcCookie != 0)
        {
            agent.onZcRequest(this, zcCookie);
        }
        rxSlopRemaining = rxPayloadLength - rxMlength;
        rxState = rxSlopRemaining > 0 ? RX_SLOP : startState();
    }

    /**
     * Write queued sends, gathering up to {@link #MAX_GATHER} of them into one writev. A send whose payload
     * takes its own path (zero-copy writer or sendfile) ends the gather: its headers go last in the writev,
     * with MSG_MORE, and its payload follows before anything else.
     *
     * @return work count.
     * @throws NativeIoException on a socket error.
     */
    int flush(final long nowNs) throws NativeIoException
    {
        int work = 0;
        for (int round = 0; round < WRITES_PER_CYCLE; round++)
        {
            fillWriting();
            if (writingCount == 0)
            {
                break;
            }
            final EngineTx first = writing[0];
            if (first.payloadPath != EngineTx.PAYLOAD_COPY && first.sent >= first.headerLength)
            {
                final long moved = writePayload(first);
                if (moved > 0)
                {
                    lastTxProgressNs = nowNs;
                    counters.bytesOut.getAndAddOrdered(moved);
                    peer.bytesOut.getAndAddOrdered(moved);
                    queuedBytes -= moved;
                    first.sent += moved;
                }
                if (!isPayloadWritten(first))
                {
                    break;
                }
                work += finishWritten(1);
                continue;
            }
            final int segments = buildIov();
            final EngineTx last = writing[writingCount - 1];
            final long written;
            if (last.payloadPath != EngineTx.PAYLOAD_COPY)
            {
                txScratch.msghdr.clear().iov(txScratch.iov, segments);
                written = socket.sendmsg(txScratch.msghdr, NativeConstants.MSG_MORE);
            }
            else
            {
                written = socket.writev(txScratch.iov, segments);
            }
            if (written <= 0)
            {
                break;
            }
            lastTxProgressNs = nowNs;
            counters.bytesOut.getAndAddOrdered(written);
            peer.bytesOut.getAndAddOrdered(written);
            queuedBytes -= written;
            work += advance(written);
        }
        updateWriteInterest();
        return work;
    }

    private long writePayload(final EngineTx tx) throws NativeIoException
    {
        final long payloadSent = tx.sent - tx.headerLength;
        if (tx.payloadPath == EngineTx.PAYLOAD_SENDFILE)
        {
            txScratch.fileOffset.putLong(0, tx.fileOffset + payloadSent);
            final long n = NativeIo.sendfile(socket.fd(), tx.fileFd, txScratch.fileOffset.addressOffset(),
                tx.payloadLength - payloadSent);
            if (n < 0)
            {
                throw Errno.newException("sendfile", Errno.EIO, "file region ends early: fd=" + tx.fileFd +
                    " offset=" + (tx.fileOffset + payloadSent));
            }
            peer.bytesOutSendfile.getAndAddOrdered(n);
            return n;
        }
        final ZeroCopyWriter writer = zcWriter();
        if (!tx.payloadStarted)
        {
            tx.payloadStarted = true;
            writer.start(tx.payloadAddress, tx.payloadLength);
        }
        final long n = writer.advance();
        if (writer.mode() == ZeroCopyWriter.Mode.SPLICE)
        {
            peer.bytesOutSplice.getAndAddOrdered(n);
        }
        else
        {
            peer.bytesOutMsgZeroCopy.getAndAddOrdered(n);
            if (writer.isWritten())
            {
                tx.zcSendId = writer.lastSendId();
            }
        }
        return n;
    }

    private boolean isPayloadWritten(final EngineTx tx)
    {
        if (tx.payloadPath == EngineTx.PAYLOAD_SENDFILE)
        {
            return tx.sent == tx.wireLength();
        }
        return tx.payloadStarted && zcWriter.isWritten();
    }

    private ZeroCopyWriter zcWriter() throws NativeIoException
    {
        if (null == zcWriter)
        {
            zcWriter = new ZeroCopyWriter(socket, agent.zcWriterMode);
        }
        return zcWriter;
    }

    /**
     * Read MSG_ZEROCOPY completions from the socket's error queue and complete the ACKed sends whose pages the
     * kernel has now released.
     *
     * @return work count.
     * @throws NativeIoException on a socket error.
     */
    int pollZcCompletions() throws NativeIoException
    {
        if (null == zcWriter)
        {
            return 0;
        }
        final int work = zcWriter.pollCompletions();
        for (int i = 0, n = awaitingKernelRelease.size(); i < n; i++)
        {
            final EngineTx tx = awaitingKernelRelease.poll();
            if (zcWriter.isReleased(tx.zcSendId))
            {
                agent.completeSend(tx, 0);
            }
            else
            {
                awaitingKernelRelease.add(tx);
            }
        }
        return work;
    }

    /**
     * An ACKed ZC send whose payload is written: complete it now, or once the kernel has released its pages
     * (MSG_ZEROCOPY).
     */
    void completeAcked(final EngineTx tx)
    {
        if (null != zcWriter && !zcWriter.isReleased(tx.zcSendId))
        {
            awaitingKernelRelease.add(tx);
        }
        else
        {
            agent.completeSend(tx, 0);
        }
    }

    private void fillWriting()
    {
        while (writingCount < MAX_GATHER &&
            (writingCount == 0 || writing[writingCount - 1].payloadPath == EngineTx.PAYLOAD_COPY))
        {
            final EngineTx tx = (EngineTx)queue.poll();
            if (null == tx)
            {
                return;
            }
            pack(tx);
            writing[writingCount++] = tx;
        }
    }

    private void pack(final EngineTx tx)
    {
        final int framing = proto.framingLength();
        tx.wireStart = EngineTx.LNET_HEADER_OFFSET - framing;
        proto.packFraming(tx, tx.header, tx.wireStart, ByteOrder.LITTLE_ENDIAN);
        tx.headerLength = framing + (tx.type() == Tx.TYPE_LNET ? LnetHeaderFlyweight.LENGTH : 0);
        tx.sent = 0;
        if (null != txCsum && tx.payloadPath != EngineTx.PAYLOAD_SENDFILE)
        {
            // Now that the cookies are final (a piggybacked ACK is written), as the kernel does before the first byte.
            txCsum.startV2(tx.header, tx.wireStart, tx.headerLength);
            if (tx.payloadLength > 0)
            {
                txCsumPayload.wrap(tx.payloadAddress, tx.payloadLength);
                txCsum.update(txCsumPayload, 0, tx.payloadLength);
            }
            tx.header.putInt(tx.wireStart + KsockMsgFlyweight.KSM_CSUM_OFFSET, txCsum.value(), ByteOrder.LITTLE_ENDIAN);
        }
    }

    private int buildIov()
    {
        final IovecArrayFlyweight iov = txScratch.iov;
        int segments = 0;
        for (int i = 0; i < writingCount; i++)
        {
            final EngineTx tx = writing[i];
            final long sent = tx.sent;
            if (sent < tx.headerLength)
            {
                iov.set(segments++, DirectMemory.address(tx.header, tx.wireStart) + sent, tx.headerLength - sent);
            }
            if (tx.payloadLength > 0 && tx.payloadPath == EngineTx.PAYLOAD_COPY)
            {
                final long payloadSent = Math.max(0, sent - tx.headerLength);
                iov.set(segments++, tx.payloadAddress + payloadSent, tx.payloadLength - payloadSent);
            }
        }
        return segments;
    }

    private int advance(final long written)
    {
        long remaining = written;
        int done = 0;
        while (done < writingCount && remaining > 0)
        {
            final EngineTx tx = writing[done];
            final long left = tx.gatheredLength() - tx.sent;
            if (remaining < left)
            {
                tx.sent += remaining;
                break;
            }
            remaining -= left;
            tx.sent += left;
            if (tx.payloadPath != EngineTx.PAYLOAD_COPY)
            {
                break;
            }
            peer.bytesOutCopy.getAndAddOrdered(tx.payloadLength);
            done++;
        }
        return finishWritten(done);
    }

    private int finishWritten(final int done)
    {
        for (int i = 0; i < done; i++)
        {
            final EngineTx tx = writing[i];
            writing[i] = null;
            if (tx.type() == Tx.TYPE_LNET)
            {
                counters.msgsOut.incrementOrdered();
                peer.msgsOut.incrementOrdered();
            }
            else
            {
                counters.noopsOut.incrementOrdered();
                agent.onNoopSent(tx);
            }
            agent.onSent(this, tx);
        }
        if (done > 0)
        {
            System.arraycopy(writing, done, writing, 0, writingCount - done);
            for (int i = writingCount - done; i < writingCount; i++)
            {
                writing[i] = null;
            }
            writingCount -= done;
        }
        return done;
    }

    private void updateWriteInterest()
    {
        final boolean pending = writingCount > 0 || !queue.isEmpty();
        if (pending != wantWrite)
        {
            wantWrite = pending;
            agent.writeInterest(this, pending);
        }
    }

    /**
     * Take every send not completely written, for failing them when the connection closes.
     */
    void drainUnsent(final java.util.function.Consumer<EngineTx> onUnsent)
    {
        if (null != zcWriter)
        {
            zcWriter.close();
        }
        for (int i = 0; i < writingCount; i++)
        {
            onUnsent.accept(writing[i]);
            writing[i] = null;
        }
        writingCount = 0;
        Tx tx;
        while ((tx = queue.poll()) != null)
        {
            onUnsent.accept((EngineTx)tx);
        }
        queuedBytes = 0;
    }

    /**
     * Take the ACKed sends still waiting for the kernel's MSG_ZEROCOPY release, when the connection closes.
     */
    void drainAwaitingRelease(final java.util.function.Consumer<EngineTx> onAcked)
    {
        EngineTx tx;
        while ((tx = awaitingKernelRelease.poll()) != null)
        {
            onAcked.accept(tx);
        }
    }

    public String toString()
    {
        return label + " " + remote;
    }
}
