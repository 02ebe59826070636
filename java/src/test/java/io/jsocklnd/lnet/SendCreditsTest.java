package io.jsocklnd.lnet;

import io.jsocklnd.lnd.LndPort;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.WireConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LND holds at most {@link LndPort#SEND_CREDITS} PUTs that have not completed; the PUTs beyond wait in the
 * command ring, in order, and go as the held ones complete. Real sockets, both nodes in invoker mode so that the
 * test decides when each runs.
 */
@Timeout(60)
class SendCreditsTest
{
    private static final int PORTAL = 5;
    private static final int PUTS = 3 * LndPort.SEND_CREDITS + 17;

    private long nextHdrData;
    private long received;
    private long outOfOrder;
    private long sends;

    @Test
    void shouldHoldAtMostTheSendCreditsAndSendTheRestInOrderLater() throws Exception
    {
        try (Lnet server = start("127.0.71.1@tcp"); Lnet client = start("127.0.71.2@tcp"))
        {
            final EventQueue serverEvents = new EventQueue(1 << 22);
            final EventQueue clientEvents = new EventQueue(1 << 22);
            server.attach(PORTAL, LNET_NID_ANY, LNET_PID_ANY, 0, 0, new MemoryDescriptor()
                .memory(ByteBuffer.allocateDirect(64))
                .options(MemoryDescriptor.OP_PUT | MemoryDescriptor.MANAGE_REMOTE).persistent()
                .eventQueue(serverEvents));
            final long md = client.bind(new MemoryDescriptor().memory(ByteBuffer.allocateDirect(64)).persistent()
                .eventQueue(clientEvents));
            for (int i = 0; i < PUTS; i++)
            {
                assertEquals(0, client.put(md, false, server.nid(), server.pid(), PORTAL, 0, 0, i));
            }

            // The server does not run: no hello is answered, nothing completes, so the client holds what it took.
            for (int i = 0; i < 100; i++)
            {
                client.doWork();
            }
            assertEquals(LndPort.SEND_CREDITS, client.counters().get("io sends_accepted"));
            assertEquals(0, client.counters().get("io sends_completed"));

            final EventHandler onPut = event ->
            {
                if (event.type() == LnetEventType.PUT)
                {
                    if (event.hdrData() != nextHdrData)
                    {
                        outOfOrder++;
                    }
                    nextHdrData = event.hdrData() + 1;
                    received++;
                }
            };
            final EventHandler onSend = event ->
            {
                if (event.type() == LnetEventType.SEND && event.status() == 0)
                {
                    sends++;
                }
            };
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((received < PUTS || sends < PUTS) && System.nanoTime() - deadlineNs < 0)
            {
                client.doWork();
                server.doWork();
                serverEvents.poll(onPut, 1024);
                clientEvents.poll(onSend, 1024);
            }
            assertEquals(PUTS, sends);
            assertEquals(PUTS, received);
            assertEquals(0, outOfOrder);
            assertEquals(PUTS, client.counters().get("io sends_accepted"));
            assertTrue(serverEvents.dropped() == 0 && clientEvents.dropped() == 0);
        }
    }

    private static Lnet start(final String nid) throws Exception
    {
        return Lnet.start(new NodeConfig().nid(nid).port(WireConstants.LNET_ACCEPT_PORT)
            .reconnect(200, 2000, TimeUnit.MILLISECONDS).threadingMode(NodeConfig.ThreadingMode.INVOKER));
    }
}
