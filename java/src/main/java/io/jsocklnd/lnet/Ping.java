package io.jsocklnd.lnet;

import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.jsocklnd.wire.WireConstants.LNET_PROTO_PING_MATCHBITS;
import static io.jsocklnd.wire.WireConstants.LNET_RESERVED_PORTAL;

/**
 * The ping client ({@code lnetctl ping}): GET a peer's ping info from portal 0 and wait for the REPLY, on the
 * calling application thread. Allocates; not for the steady path.
 */
final class Ping
{
    private static final int REPLY_CAPACITY = 4096;
    private static final long UNSET = Long.MIN_VALUE;

    private final Lnet lnet;
    private final EventQueue queue = new EventQueue(4096);
    private final UnsafeBuffer sink = new UnsafeBuffer(ByteBuffer.allocateDirect(REPLY_CAPACITY));
    private long status = UNSET;
    private int mlength;
    private long doneNs;

    Ping(final Lnet lnet)
    {
        this.lnet = lnet;
    }

    PingResult run(final long targetNid, final int targetPid, final long timeout, final TimeUnit unit)
        throws TimeoutException, IOException
    {
        final long handle = lnet.bind(new MemoryDescriptor().memory(sink, 0, sink.capacity())
            .options(MemoryDescriptor.TRUNCATE).threshold(2).eventQueue(queue));
        final long deadlineNs = System.nanoTime() + unit.toNanos(timeout);
        final EventHandler handler = this::onEvent;
        try
        {
            final long startNs = System.nanoTime();
            int rc;
            while ((rc = lnet.get(handle, targetNid, targetPid, LNET_RESERVED_PORTAL, LNET_PROTO_PING_MATCHBITS, 0)) ==
                -Errno.EAGAIN && System.nanoTime() - deadlineNs < 0)
            {
                lnet.awaitCommandRoomUntil(deadlineNs);
            }
            if (rc != 0)
            {
                throw new IOException("ping not sent: nid=" + Nid.toString(targetNid) + " rc=" + rc);
            }
            while (status == UNSET && System.nanoTime() - deadlineNs < 0)
            {
                lnet.awaitEvents(queue, handler, 16, deadlineNs);
            }
            if (status == UNSET)
            {
                throw new TimeoutException("ping timed out: nid=" + Nid.toString(targetNid) + " timeout_ms=" +
                    unit.toMillis(timeout));
            }
            if (status != 0)
            {
                throw new IOException("ping failed: nid=" + Nid.toString(targetNid) + " status=" + status);
            }
            try
            {
                final PingInfo info = PingInfo.decode(sink, 0, mlength, Lnet.MAX_PING_INTERFACES);
                return new PingResult(targetNid, info, doneNs - startNs);
            }
            catch (final ProtocolException ex)
            {
                throw new IOException("bad ping reply: nid=" + Nid.toString(targetNid) + " " + ex.getMessage(), ex);
            }
        }
        finally
        {
            lnet.unlink(handle);
        }
    }

    private void onEvent(final LnetEvent event)
    {
        if (event.type() == LnetEventType.REPLY)
        {
            status = event.status();
            mlength = event.mlength();
            doneNs = System.nanoTime();
        }
        else if (event.type() == LnetEventType.SEND && event.status() != 0)
        {
            status = event.status();
            doneNs = System.nanoTime();
        }
    }
}
