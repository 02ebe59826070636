package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A send the layer above issues from a completion, on the IO thread, goes out even when its connection was
 * flushed earlier in the same duty cycle: in invoker mode a small send (CONTROL) and a bulk send (BULK_OUT) are
 * flushed in one cycle, and the bulk send's completion sends again on CONTROL.
 */
@Timeout(30)
class SendFromCompletionTest
{
    private static final String A = "127.0.91.1@tcp";
    private static final String B = "127.0.91.2@tcp";
    private static final long A_NID = Nid.parse(A);
    private static final long B_NID = Nid.parse(B);
    private static final int PID = WireConstants.LNET_PID_LUSTRE;
    private static final long SMALL = 2;
    private static final long BULK = 3;
    private static final long FROM_COMPLETION = 4;

    /** Keeps the port to send through; drops what it receives. */
    private static final class Sender implements MessageHandler, CompletionHandler
    {
        LndPort port;
        int completions;

        public void onStart(final LndPort port)
        {
            this.port = port;
        }

        public void onHeader(
            final long connectionId, final long srcNid, final LnetHeaderFlyweight header, final RxDecision decision)
        {
            decision.drop();
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength, final int length)
        {
        }

        public void onCompletion(final long correlationId, final int status)
        {
            assertEquals(0, status);
            completions++;
            if (correlationId == BULK)
            {
                fill(port.claimSend(WireConstants.LNET_MSG_PUT, B_NID, PID, 0, 0, FROM_COMPLETION), FROM_COMPLETION, 0);
                port.commitSend();
            }
        }
    }

    @Test
    void shouldWriteASendIssuedByACompletionOnAConnectionAlreadyFlushedInTheSameCycle() throws Exception
    {
        final Sender sender = new Sender();
        final TestNodes.RecordingHandler receiver = new TestNodes.RecordingHandler();
        try (Node a = Node.start(config(A), sender, sender); Node b = Node.start(config(B), receiver))
        {
            final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(LnetHeaderFlyweight.LENGTH));
            final UnsafeBuffer payload = DirectMemory.allocate(4_000);
            send(a, header, 1, payload, 0);
            drive(a, b, () -> receiver.received.size() == 1 && a.connections().size() == 3 && sender.completions == 1);

            send(a, header, SMALL, payload, 0);
            send(a, header, BULK, payload, payload.capacity());
            drive(a, b, () -> receiver.received.size() == 4 && sender.completions == 4);

            assertTrue(receiver.received.stream().anyMatch(r -> r.sequence() == FROM_COMPLETION));
        }
    }

    private static void send(
        final Node node, final UnsafeBuffer header, final long sequence, final UnsafeBuffer payload, final int length)
    {
        fill(new LnetHeaderFlyweight().wrapForEncode(header, 0, LnetHeaderFlyweight.LENGTH, WireConstants.LNET_MSG_PUT),
            sequence, length);
        assertTrue(node.send(B_NID, PID, header, 0, DirectMemory.address(payload, 0), length, sequence));
    }

    private static void fill(final LnetHeaderFlyweight header, final long sequence, final int length)
    {
        header.destNid(B_NID).srcNid(A_NID).destPid(PID).srcPid(PID).payloadLength(length).matchBits(sequence);
    }

    private static void drive(final Node a, final Node b, final BooleanSupplier done)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean())
        {
            assertTrue(System.nanoTime() - deadlineNs < 0, () -> "not done: a=" + a.connections() + " b=" +
                b.connections() + " a counters=" + a.counters());
            a.doWork();
            b.doWork();
        }
    }

    private static NodeConfig config(final String nid)
    {
        return TestNodes.config(nid).threadingMode(NodeConfig.ThreadingMode.INVOKER).zcMode(NodeConfig.ZcMode.COPY);
    }
}
