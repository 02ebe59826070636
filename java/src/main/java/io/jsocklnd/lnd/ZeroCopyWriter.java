package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.IovecArrayFlyweight;
import io.jsocklnd.nativeio.MsghdrFlyweight;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIo;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.nativeio.NativeSocket;
import io.jsocklnd.nativeio.Pipe;
import io.jsocklnd.nativeio.ZcCompletionFlyweight;

/**
 * Writes one payload region at a time to a socket without copying it, in non-blocking steps:
 * <ul>
 * <li>{@link Mode#SPLICE}: vmsplice the pages into a pipe, then splice the pipe into the socket. The pipe
 * and then the socket refer to the caller's pages, which must stay untouched until the peer's ZC-ACK.</li>
 * <li>{@link Mode#MSG_ZEROCOPY}: sendmsg with MSG_ZEROCOPY; each call that moves bytes takes the socket's
 * next send id, and the kernel reports on the error queue when the pages of a range of ids are released
 * ({@link #pollCompletions}, {@link #isReleased}).</li>
 * </ul>
 * In SPLICE mode nothing local says when the pages are free: after the splice the socket's buffer still
 * refers to them until the data is acknowledged by TCP, and reusing them corrupts what is in flight (seen on
 * loopback). Only the peer's ZC-ACK releases them; {@link #isReleased} speaks for MSG_ZEROCOPY only.
 * Owned by the connection's IO agent.
 */
final class ZeroCopyWriter implements AutoCloseable
{
    /**
     * How payload pages reach the socket.
     */
    enum Mode
    {
        /** vmsplice into a pipe, splice into the socket. */
        SPLICE,
        /** sendmsg(MSG_ZEROCOPY) with error-queue completions. */
        MSG_ZEROCOPY
    }

    static final int PIPE_CAPACITY = 1 << 20;
    private static final int MAX_OUT_OF_ORDER = 64;

    private final NativeSocket socket;
    private final Mode mode;
    private final Pipe pipe;
    private final long pipeCapacity;
    private final IovecArrayFlyweight iov = IovecArrayFlyweight.allocate(1);
    private final MsghdrFlyweight msghdr = MsghdrFlyweight.allocate();
    private final ZcCompletionFlyweight completion = ZcCompletionFlyweight.allocate();

    private long address;
    private long length;
    private long handedOver;
    private long inPipe;
    private long written;

    private long nextSendId;
    private long lastSendIdOfPayload = -1;
    private long releasedBelow;
    private final long[] outOfOrderLo = new long[MAX_OUT_OF_ORDER];
    private final long[] outOfOrderHi = new long[MAX_OUT_OF_ORDER];
    private int outOfOrderCount;
    private long copiedCompletions;

    ZeroCopyWriter(final NativeSocket socket, final Mode mode) throws NativeIoException
    {
        this.socket = socket;
        this.mode = mode;
        if (mode == Mode.SPLICE)
        {
            pipe = Pipe.open(0);
            pipeCapacity = pipeCapacity(pipe);
        }
        else
        {
            pipe = null;
            pipeCapacity = 0;
            socket.setIntOption(NativeConstants.SOL_SOCKET, NativeConstants.SO_ZEROCOPY, 1);
        }
    }

    private static long pipeCapacity(final Pipe pipe) throws NativeIoException
    {
        try
        {
            return pipe.capacity(PIPE_CAPACITY);
        }
        catch (final NativeIoException ex)
        {
            // Above pipe-max-size without CAP_SYS_RESOURCE: the default capacity works, with more calls.
            return pipe.capacity();
        }
    }

    /**
     * The mode {@code AUTO} stands for on this kernel: SPLICE when a pipe can be made (splice measured a little
     * faster than MSG_ZEROCOPY here, and MSG_ZEROCOPY on loopback always copies anyway), else MSG_ZEROCOPY.
     *
     * @return the mode.
     */
    static Mode bestAvailable()
    {
        try (Pipe probe = Pipe.open(0))
        {
            return probe.capacity() > 0 ? Mode.SPLICE : Mode.MSG_ZEROCOPY;
        }
        catch (final NativeIoException | RuntimeException ex)
        {
            return Mode.MSG_ZEROCOPY;
        }
    }

    Mode mode()
    {
        return mode;
    }

    /**
     * Begin a payload; the previous one must be {@link #isWritten()}.
     *
     * @param address native address of the payload.
     * @param length  its length.
     */
    void start(final long address, final long length)
    {
        if (!isWritten())
        {
            throw new IllegalStateException("previous payload not written: remaining=" + (this.length - written));
        }
        this.address = address;
        this.length = length;
        this.handedOver = 0;
        this.written = 0;
        this.lastSendIdOfPayload = -1;
    }

    /**
     * Move as much of the current payload into the socket as it takes now.
     *
     * @return bytes that entered the socket in this call.
     * @throws NativeIoException on a socket or pipe error.
     */
    long advance() throws NativeIoException
    {
        return mode == Mode.SPLICE ? advanceSplice() : advanceMsgZeroCopy();
    }

    private long advanceSplice() throws NativeIoException
    {
        long moved = 0;
        for (int i = 0; i < 8 && written < length; i++)
        {
            if (inPipe < pipeCapacity && handedOver < length)
            {
                iov.set(0, address + handedOver, Math.min(length - handedOver, pipeCapacity - inPipe));
                final long n = NativeIo.vmsplice(pipe.writeFd(), iov, 1, NativeConstants.SPLICE_F_NONBLOCK);
                handedOver += n;
                inPipe += n;
            }
            if (inPipe == 0)
            {
                break;
            }
            final int more = handedOver < length ? NativeConstants.SPLICE_F_MORE : 0;
            final long n = NativeIo.splice(pipe.readFd(), socket.fd(), inPipe,
                NativeConstants.SPLICE_F_MOVE | NativeConstants.SPLICE_F_NONBLOCK | more);
            if (n <= 0)
            {
                break;
            }
            inPipe -= n;
            written += n;
            moved += n;
        }
        return moved;
    }

    private long advanceMsgZeroCopy() throws NativeIoException
    {
        long moved = 0;
        for (int i = 0; i < 8 && written < length; i++)
        {
            iov.set(0, address + written, length - written);
            msghdr.clear().iov(iov, 1);
            final long n;
            try
            {
                n = socket.sendmsg(msghdr, NativeConstants.MSG_ZEROCOPY);
            }
            catch (final NativeIoException ex)
            {
                if (ex.errno() == Errno.ENOBUFS)
                {
                    // optmem_max reached by notifications not yet read: retry after the error queue drains.
                    break;
                }
                throw ex;
            }
            if (n <= 0)
            {
                break;
            }
            lastSendIdOfPayload = nextSendId++ & 0xFFFF_FFFFL;
            written += n;
            moved += n;
        }
        return moved;
    }

    /**
     * Whether every byte of the current payload has entered the socket.
     *
     * @return true when written.
     */
    boolean isWritten()
    {
        return written == length && inPipe == 0;
    }

    /**
     * The MSG_ZEROCOPY send id of the last call that carried bytes of the current payload.
     *
     * @return the id, or -1 if none (splice mode, or nothing sent yet).
     */
    long lastSendId()
    {
        return lastSendIdOfPayload;
    }

    /**
     * Read the kernel's MSG_ZEROCOPY completions from the socket's error queue.
     *
     * @return completions read.
     * @throws NativeIoException on a socket error.
     */
    int pollCompletions() throws NativeIoException
    {
        if (mode != Mode.MSG_ZEROCOPY)
        {
            return 0;
        }
        int count = 0;
        while (count < 64 && socket.readZcCompletion(completion))
        {
            count++;
            if (!completion.isZeroCopyCompletion())
            {
                continue;
            }
            if (completion.isCopied())
            {
                copiedCompletions++;
            }
            onReleased(completion.lo(), completion.hi());
        }
        return count;
    }

    private void onReleased(final long lo, final long hi)
    {
        if (lo != releasedBelow)
        {
            if (outOfOrderCount == MAX_OUT_OF_ORDER)
            {
                throw new IllegalStateException("too many out-of-order zerocopy completions: lo=" + lo);
            }
            outOfOrderLo[outOfOrderCount] = lo;
            outOfOrderHi[outOfOrderCount] = hi;
            outOfOrderCount++;
            return;
        }
        releasedBelow = hi + 1;
        boolean merged = true;
        while (merged)
        {
            merged = false;
            for (int i = 0; i < outOfOrderCount; i++)
            {
                if (outOfOrderLo[i] == releasedBelow)
                {
                    releasedBelow = outOfOrderHi[i] + 1;
                    outOfOrderCount--;
                    outOfOrderLo[i] = outOfOrderLo[outOfOrderCount];
                    outOfOrderHi[i] = outOfOrderHi[outOfOrderCount];
                    merged = true;
                    break;
                }
            }
        }
    }

    /**
     * Whether the kernel has released the pages of every send up to and including this id.
     *
     * @param sendId a value of {@link #lastSendId()}; -1 is always released.
     * @return true when released.
     */
    boolean isReleased(final long sendId)
    {
        return sendId < 0 || releasedBelow > sendId;
    }

    /**
     * Completions that said the kernel copied the data after all (always so on loopback).
     *
     * @return the count.
     */
    long copiedCompletions()
    {
        return copiedCompletions;
    }

    public void close()
    {
        if (null != pipe)
        {
            try
            {
                pipe.close();
            }
            catch (final NativeIoException ignore)
            {
                // the connection is closing; the pipe's pages are released with it
            }
        }
    }
}
