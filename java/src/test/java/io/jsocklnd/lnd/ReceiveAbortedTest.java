package io.jsocklnd.lnd;

import io.jsocklnd.harness.RawPeer;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link MessageHandler#onReceiveAborted} is called exactly once for a message whose header the layer above saw
 * and whose payload never completed, whether the layer was receiving it (LNET_PAYLOAD) or had deferred its
 * decision (PARSE_WAIT), and never for messages that completed or were dropped.
 */
@Timeout(30)
class ReceiveAbortedTest
{
    private static final String NODE_IP = "127.0.70.1";
    private static final long NODE_NID = Nid.parse(NODE_IP + "@tcp");
    private static final long DELIVER = 1;
    private static final long AWAIT = 2;
    private static final long DROP = 3;

    /** Delivers, defers or drops by match bits; records every callback with its connection. */
    private static final class Handler implements MessageHandler
    {
        final UnsafeBuffer sink = DirectMemory.allocate(1 << 20);
        final List<Long> headers = new CopyOnWriteArrayList<>();
        final List<Long> payloads = new CopyOnWriteArrayList<>();
        final List<long[]> aborted = new CopyOnWriteArrayList<>();

        public void onHeader(
            final long connectionId, final long srcNid, final LnetHeaderFlyweight header, final RxDecision decision)
        {
            headers.add(connectionId);
            if (header.matchBits() == DELIVER)
            {
                decision.deliverTo(sink.addressOffset(), sink.capacity());
            }
            else if (header.matchBits() == AWAIT)
            {
                decision.await();
            }
            else
            {
                decision.drop();
            }
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength, final int payloadLength)
        {
            payloads.add(connectionId);
        }

        public void onReceiveAborted(final long connectionId, final int status)
        {
            aborted.add(new long[]{connectionId, status});
        }
    }

    @Test
    void shouldAbortOnceAReceiveCutOffInItsPayloadAndNotTheCompletedOrDroppedOnes() throws Exception
    {
        final Handler handler = new Handler();
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), handler))
        {
            final long peerNid = Nid.parse("127.0.70.2@tcp");
            try (RawPeer peer = RawPeer.connect("127.0.70.2", 1000, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
            {
                peer.handshake(ByteOrder.LITTLE_ENDIAN, 3, peerNid, NODE_NID, 0x4242L, SOCKLND_CONN_CONTROL);
                final byte[] big = new byte[256 * 1024];
                Arrays.fill(big, (byte)7);
                final byte[] cut = RawPeer.put(ByteOrder.LITTLE_ENDIAN, 0, peerNid, NODE_NID, DELIVER, big);
                peer.write(RawPeer.concat(
                    RawPeer.put(ByteOrder.LITTLE_ENDIAN, 0, peerNid, NODE_NID, DELIVER, new byte[100]),
                    RawPeer.put(ByteOrder.LITTLE_ENDIAN, 0, peerNid, NODE_NID, DROP, new byte[5000]),
                    Arrays.copyOf(cut, KsockMsgFlyweight.LENGTH + LnetHeaderFlyweight.LENGTH + 1000)));
                TestNodes.await(() -> handler.headers.size() == 3, 10_000);
                assertEquals(3, handler.headers.size());
                assertEquals(2, handler.payloads.size(), "the complete and the dropped message");
                assertEquals(0, handler.aborted.size());
            }
            TestNodes.await(() -> !handler.aborted.isEmpty(), 10_000);
            TestNodes.await(() -> false, 200);
            assertEquals(1, handler.aborted.size(), "exactly once");
            assertEquals(handler.headers.get(2), handler.aborted.get(0)[0], "on the connection of the message");
            assertEquals(-Errno.ECONNRESET, handler.aborted.get(0)[1]);
            assertEquals(2, handler.payloads.size(), "no payload callback for the aborted message");
        }
    }

    @Test
    void shouldAbortOnceAReceiveLeftInParseWaitWhenItsConnectionDies() throws Exception
    {
        final Handler handler = new Handler();
        try (Node node = Node.start(TestNodes.config(NODE_IP + "@tcp"), handler))
        {
            final long peerNid = Nid.parse("127.0.70.3@tcp");
            try (RawPeer peer = RawPeer.connect("127.0.70.3", 1001, NODE_IP, WireConstants.LNET_ACCEPT_PORT))
            {
                peer.handshake(ByteOrder.LITTLE_ENDIAN, 3, peerNid, NODE_NID, 0x4343L, SOCKLND_CONN_CONTROL);
                peer.write(RawPeer.put(ByteOrder.LITTLE_ENDIAN, 0, peerNid, NODE_NID, AWAIT, new byte[4096]));
                TestNodes.await(() -> handler.headers.size() == 1, 10_000);
                assertEquals(1, handler.headers.size());
            }
            TestNodes.await(() -> !handler.aborted.isEmpty(), 10_000);
            TestNodes.await(() -> false, 200);
            assertEquals(1, handler.aborted.size(), "exactly once");
            assertEquals(handler.headers.get(0), handler.aborted.get(0)[0]);
            assertEquals(-Errno.ECONNRESET, handler.aborted.get(0)[1]);
            assertEquals(0, handler.payloads.size());
        }
    }
}
