package io.jsocklnd.lnet;

import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.lnet.MemoryDescriptor.MANAGE_REMOTE;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_GET;
import static io.jsocklnd.lnet.MemoryDescriptor.OP_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steady path allocates nothing: with both nodes in invoker mode every step (bind, PUT with ACK, GET and
 * REPLY, matching, payload placement, completions, events) runs on the test thread, whose allocations are
 * measured over many rounds after a warm-up.
 */
@Timeout(60)
class LnetAllocationTest
{
    private static final int WARM_UP = 2_000;
    private static final int ROUNDS = 2_000;
    private static final long SLACK_BYTES = 16 * 1024;

    private long acks;
    private long replies;
    private long puts;

    @Test
    void shouldAllocateNothingPerPutAckGetReplyRound() throws Exception
    {
        try (Lnet a = start("127.0.67.1@tcp"); Lnet b = start("127.0.67.2@tcp"))
        {
            final UnsafeBuffer sink = LnetNodes.direct(8192);
            b.attach(3, LNET_NID_ANY, LNET_PID_ANY, 5, 0,
                new MemoryDescriptor().memory(sink, 0, 8192).options(OP_PUT | OP_GET | MANAGE_REMOTE));
            final UnsafeBuffer data = LnetNodes.pattern(4096, 1);
            final UnsafeBuffer back = LnetNodes.direct(4096);
            final MemoryDescriptor putSpec = new MemoryDescriptor().memory(data, 0, 4096).threshold(2);
            final MemoryDescriptor getSpec = new MemoryDescriptor().memory(back, 0, 4096).threshold(2);
            final EventHandler aHandler = e ->
            {
                if (e.type() == LnetEventType.ACK)
                {
                    acks++;
                }
                else if (e.type() == LnetEventType.REPLY)
                {
                    replies++;
                }
            };
            final EventHandler bHandler = e ->
            {
                if (e.type() == LnetEventType.PUT)
                {
                    puts++;
                }
            };

            for (int i = 0; i < WARM_UP; i++)
            {
                round(a, b, putSpec, getSpec, aHandler, bHandler);
            }
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            final long id = Thread.currentThread().getId();
            final long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < ROUNDS; i++)
            {
                round(a, b, putSpec, getSpec, aHandler, bHandler);
            }
            final long allocated = threads.getThreadAllocatedBytes(id) - before;
            System.out.println("LnetAllocationTest: allocated=" + allocated + " bytes over " + ROUNDS + " rounds");

            assertEquals(WARM_UP + ROUNDS, acks);
            assertEquals(WARM_UP + ROUNDS, replies);
            assertEquals(WARM_UP + ROUNDS, puts);
            assertEquals(data.getByte(4095), back.getByte(4095));
            assertTrue(allocated < SLACK_BYTES, "allocated=" + allocated + " rounds=" + ROUNDS);
        }
    }

    private void round(
        final Lnet a, final Lnet b, final MemoryDescriptor putSpec, final MemoryDescriptor getSpec,
        final EventHandler aHandler, final EventHandler bHandler)
    {
        final long acksBefore = acks;
        final long repliesBefore = replies;
        assertEquals(0, a.put(a.bind(putSpec), true, b.nid(), LNET_PID_LUSTRE, 3, 5, 100, 0));
        assertEquals(0, a.get(a.bind(getSpec), b.nid(), LNET_PID_LUSTRE, 3, 5, 100));
        for (int i = 0; i < 1_000_000 && (acks == acksBefore || replies == repliesBefore); i++)
        {
            a.doWork();
            b.doWork();
            a.poll(aHandler, 16);
            b.poll(bHandler, 16);
        }
        for (int i = 0; i < 4; i++)
        {
            a.doWork();
            b.doWork();
            a.poll(aHandler, 16);
            b.poll(bHandler, 16);
        }
    }

    private static Lnet start(final String nid) throws Exception
    {
        return Lnet.start(new NodeConfig().nid(nid).port(WireConstants.LNET_ACCEPT_PORT)
            .reconnect(200, 2000, TimeUnit.MILLISECONDS).threadingMode(NodeConfig.ThreadingMode.INVOKER));
    }
}
