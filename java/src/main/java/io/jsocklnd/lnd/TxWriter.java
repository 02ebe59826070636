package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.IovecArrayFlyweight;
import io.jsocklnd.nativeio.MsghdrFlyweight;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIo;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.wire.KsockChecksum;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;

/**
 * The send side of one connection: its queue ({@code ksnc_tx_queue}) with the protocol's ACK rules, and the
 * sends being written, gathered into one writev with their payloads copied, or followed by a payload that takes
 * its own path (sendfile, or the {@link ZeroCopyWriter}: vmsplice and splice, or MSG_ZEROCOPY, whose completions
 * come from the socket's error queue). Non-blocking; every method does bounded work. Single writer: the IO agent.
 */
final class TxWriter
{
    /**
     * Most sends gathered into one writev, two iovecs each (header, copied payload), within IOV_MAX (1024): a
     * syscall costs about a microsecond here, so small messages go out by the hundred.
     */
    static final int MAX_GATHER = 256;
    private static final int WRITES_PER_CYCLE = 4;

    /**
     * What the writer needs from its agent.
     */
    interface Handler
    {
        /**
         * Every byte of an LNET message has entered the socket.
         *
         * @param c  the connection.
         * @param tx the send.
         */
        void onSent(Connection c, EngineTx tx);

        /**
         * A NOOP (ZC-ACK or keepalive) has gone out whole.
         *
         * @param c    the connection.
         * @param noop the NOOP, no longer used by the writer.
         */
        void onNoopSent(Connection c, EngineTx noop);

        /**
         * A ZC-ACK NOOP was folded into another queued send (piggybacked on a message, or merged into a NOOP, or
         * taken over by a message) and will not go out itself.
         *
         * @param c           the connection.
         * @param noop        the NOOP, no longer used by the writer.
         * @param piggybacked whether its cookie rides on an LNET message.
         */
        void onAckMerged(Connection c, EngineTx noop, boolean piggybacked);

        /**
         * A send is over: a MSG_ZEROCOPY send released by the kernel, or a send failed or released when the
         * connection closes.
         *
         * @param tx     the send, no longer used by the writer.
         * @param status 0 or a negative errno.
         */
        void complete(EngineTx tx, int status);

        /**
         * The writer has something to write (or no longer has): poll the socket for room or stop.
         *
         * @param c  the connection.
         * @param on whether to poll.
         */
        void writeInterest(Connection c, boolean on);
    }

    /**
     * The agent's send settings, the same for all its connections.
     *
     * @param zcMinPayload payload size from which a send on a ZC-capable connection is a ZC request.
     * @param zcEnabled    whether ZC requests are issued at all (not in COPY mode).
     * @param zcWriterMode how memory payloads of ZC requests are written, AUTO resolved.
     * @param zcTimeoutNs  how long a ZC request may wait for its ACK.
     * @param enableCsum   whether sends on V2 connections carry the checksum.
     */
    record Settings(
        int zcMinPayload, boolean zcEnabled, ZeroCopyWriter.Mode zcWriterMode, long zcTimeoutNs, boolean enableCsum)
    {
    }

    /**
     * What one flush builds and writes at once; the agent's connections flush one at a time, so they share it.
     */
    static final class Scratch
    {
        final IovecArrayFlyweight iov = IovecArrayFlyweight.allocate(MAX_GATHER * 2);
        final MsghdrFlyweight msghdr = MsghdrFlyweight.allocate();
        final UnsafeBuffer fileOffset = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8, 8));
    }

    private final Connection connection;
    private final Handler handler;
    private final Settings settings;
    private final Scratch scratch;
    private final NativeSocket socket;
    private final SocklndProtocol proto;
    private final Peer peer;
    private final ConnectionCounters counters;
    private final TxQueue queue = new TxQueue();
    private final EngineTx[] writing = new EngineTx[MAX_GATHER];
    /** ACKed MSG_ZEROCOPY sends whose pages the kernel has not released yet. */
    private final ArrayDeque<EngineTx> awaitingKernelRelease = new ArrayDeque<>();
    /** Fills in {@code ksm_csum} of sends when {@code enable_csum} is set on a V2 connection; null elsewhere. */
    private final KsockChecksum csum;
    private final UnsafeBuffer csumPayload = new UnsafeBuffer(new byte[0]);
    private ZeroCopyWriter zcWriter;
    private int writingCount;
    private long queuedBytes;
    private boolean wantWrite;

    /**
     * @param connection the connection written to (its socket, protocol, peer and counters).
     * @param handler    the agent.
     * @param settings   the agent's send settings.
     * @param scratch    the agent's write scratch.
     */
    TxWriter(final Connection connection, final Handler handler, final Settings settings, final Scratch scratch)
    {
        this.connection = connection;
        this.handler = handler;
        this.settings = settings;
        this.scratch = scratch;
        this.socket = connection.socket;
        this.proto = connection.proto;
        this.peer = connection.peer;
        this.counters = connection.counters;
        this.csum = proto.carriesChecksum() && settings.enableCsum() ? new KsockChecksum() : null;
    }

    long queuedBytes()
    {
        return queuedBytes;
    }

    boolean hasPending()
    {
        return writingCount > 0 || !queue.isEmpty();
    }

    /**
     * Queue a send through the protocol's rules; an LNET message from the ZC threshold on a ZC-capable
     * connection becomes a ZC request.
     *
     * @param tx    the send.
     * @param nowNs the time.
     */
    void enqueue(final EngineTx tx, final long nowNs)
    {
        // The send deadline starts here only on a connection with nothing queued, here or in its socket.
        if (!hasPending() && 0 == connection.socketQueued)
        {
            connection.lastTxProgressNs = nowNs;
        }
        tx.moveTo(SendState.QUEUED);
        tx.connection = connection;
        tx.queuedAtNs = nowNs;
        if (tx.type() == KSOCK_MSG_LNET)
        {
            // Only now, with the connection chosen, is it known whether the peer can ACK a ZC request.
            if (tx.payloadLength >= settings.zcMinPayload() && settings.zcEnabled() && proto.zcCapable())
            {
                tx.zcCookie = peer.zcRequests.register(tx);
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
                handler.onAckMerged(connection, (EngineTx)displaced, false);
            }
        }
        else
        {
            final Tx carrier = queue.carrier();
            final boolean onMessage = null != carrier && carrier.type() == KSOCK_MSG_LNET;
            if (proto.queueAck(queue, connection.ctype, tx))
            {
                (onMessage ? counters.acksPiggybacked : counters.noopsMerged).incrementOrdered();
                handler.onAckMerged(connection, tx, onMessage);
            }
            else
            {
                queuedBytes += proto.framingLength();
            }
        }
    }

    /**
     * Write queued sends, gathering up to {@link #MAX_GATHER} of them into one writev. A send whose payload
     * takes its own path (zero-copy writer or sendfile) ends the gather: its headers go last in the writev,
     * with MSG_MORE, and its payload follows before anything else.
     *
     * @param nowNs the time.
     * @return work count.
     * @throws NativeIoException on a socket error.
     */
    int flush(final long nowNs) throws NativeIoException
    {
        int work = 0;
        for (int round = 0; round < WRITES_PER_CYCLE; round++)
        {
            fillWriting(nowNs);
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
                    wrote(moved);
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
                scratch.msghdr.clear().iov(scratch.iov, segments);
                written = socket.sendmsg(scratch.msghdr, NativeConstants.MSG_MORE);
            }
            else
            {
                written = socket.writev(scratch.iov, segments);
            }
            if (written <= 0)
            {
                break;
            }
            wrote(written);
            work += advance(written);
        }
        updateWriteInterest();
        return work;
    }

    /**
     * Account bytes the socket took. Taking them is not progress by itself (a socket with room takes bytes from
     * a peer that reads nothing): progress is the socket's queue shrinking below what was written
     * ({@link Connection#refreshSocketQueued}), as the kernel's {@code ksnc_tx_bufnob}.
     */
    private void wrote(final long bytes)
    {
        connection.socketQueued += bytes;
        counters.bytesOut.getAndAddOrdered(bytes);
        peer.bytesOut.getAndAddOrdered(bytes);
        queuedBytes -= bytes;
    }

    private long writePayload(final EngineTx tx) throws NativeIoException
    {
        final long payloadSent = tx.sent - tx.headerLength;
        if (tx.payloadPath == EngineTx.PAYLOAD_SENDFILE)
        {
            scratch.fileOffset.putLong(0, tx.fileOffset + payloadSent);
            final long n = NativeIo.sendfile(socket.fd(), tx.fileFd, scratch.fileOffset.addressOffset(),
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
        if (writer.isWritten())
        {
            // The writer holds no unfinished payload, so this send's begins: a payload written whole ends its send.
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

    /**
     * Whether the payload {@link #writePayload} has just written to is now all in the socket.
     */
    private boolean isPayloadWritten(final EngineTx tx)
    {
        if (tx.payloadPath == EngineTx.PAYLOAD_SENDFILE)
        {
            return tx.sent == tx.wireLength();
        }
        return zcWriter.isWritten();
    }

    private ZeroCopyWriter zcWriter() throws NativeIoException
    {
        if (null == zcWriter)
        {
            zcWriter = new ZeroCopyWriter(socket, settings.zcWriterMode());
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
                handler.complete(tx, 0);
            }
            else
            {
                awaitingKernelRelease.add(tx);
            }
        }
        return work;
    }

    /**
     * An ACKed ZC send whose payload is written: if the kernel still holds its MSG_ZEROCOPY pages, keep it
     * ({@link SendState#RELEASING}) and complete it once they are released.
     *
     * @param tx the send.
     * @return true if kept; false if nothing is held, the send's completion then being the caller's.
     */
    boolean awaitRelease(final EngineTx tx)
    {
        if (null == zcWriter || zcWriter.isReleased(tx.zcSendId))
        {
            return false;
        }
        tx.moveTo(SendState.RELEASING);
        awaitingKernelRelease.add(tx);
        return true;
    }

    private void fillWriting(final long nowNs)
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
            if (0 != tx.zcCookie)
            {
                // Its first transmit: the ZC request's deadline starts now, not when it was queued (§6.2).
                peer.zcRequests.startDeadline(tx.zcCookie, nowNs + settings.zcTimeoutNs());
            }
            writing[writingCount++] = tx;
        }
    }

    private void pack(final EngineTx tx)
    {
        final int framing = proto.framingLength();
        tx.wireStart = EngineTx.LNET_HEADER_OFFSET - framing;
        proto.packFraming(tx, tx.header, tx.wireStart, ByteOrder.LITTLE_ENDIAN);
        tx.headerLength = framing + (tx.type() == KSOCK_MSG_LNET ? LnetHeaderFlyweight.LENGTH : 0);
        tx.sent = 0;
        if (null != csum && tx.payloadPath != EngineTx.PAYLOAD_SENDFILE)
        {
            // Now that the cookies are final (a piggybacked ACK is written), as the kernel does before the first byte.
            csum.startV2(tx.header, tx.wireStart, tx.headerLength);
            if (tx.payloadLength > 0)
            {
                csumPayload.wrap(tx.payloadAddress, tx.payloadLength);
                csum.update(csumPayload, 0, tx.payloadLength);
            }
            tx.header.putInt(tx.wireStart + KsockMsgFlyweight.KSM_CSUM_OFFSET, csum.value(), ByteOrder.LITTLE_ENDIAN);
        }
    }

    private int buildIov()
    {
        final IovecArrayFlyweight iov = scratch.iov;
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
            if (tx.type() == KSOCK_MSG_LNET)
            {
                counters.msgsOut.incrementOrdered();
                peer.msgsOut.incrementOrdered();
                handler.onSent(connection, tx);
            }
            else
            {
                counters.noopsOut.incrementOrdered();
                handler.onNoopSent(connection, tx);
            }
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
        final boolean pending = hasPending();
        if (pending != wantWrite)
        {
            wantWrite = pending;
            handler.writeInterest(connection, pending);
        }
    }

    /**
     * The connection is closing: fail every send not completely written with the close's status (a ZC request
     * among them no longer pending for its ACK), and complete the ACKed sends the kernel had not released yet:
     * the peer has every byte, and the release is moot once the socket is gone.
     *
     * @param status negative errno of the close.
     */
    void close(final int status)
    {
        if (null != zcWriter)
        {
            zcWriter.close();
        }
        for (int i = 0; i < writingCount; i++)
        {
            failUnsent(writing[i], status);
            writing[i] = null;
        }
        writingCount = 0;
        Tx tx;
        while ((tx = queue.poll()) != null)
        {
            failUnsent((EngineTx)tx, status);
        }
        queuedBytes = 0;
        EngineTx acked;
        while ((acked = awaitingKernelRelease.poll()) != null)
        {
            handler.complete(acked, 0);
        }
    }

    private void failUnsent(final EngineTx tx, final int status)
    {
        if (tx.state() == SendState.QUEUED && tx.zcCookie != 0)
        {
            peer.zcRequests.remove(tx.zcCookie);
        }
        handler.complete(tx, status);
    }
}
