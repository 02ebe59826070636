package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;

/**
 * Test support: a receiving handler that stores every payload in its own direct buffer and checks it
 * against the CRC the sender put in {@code hdr_data}, PUT headers carrying a sequence number in
 * {@code match_bits}, and bounded waiting.
 */
final class TestNodes
{
    private TestNodes()
    {
    }

    /** One received message as the handler saw it. */
    record Received(long connectionId, long srcNid, long sequence, int payloadLength, boolean intact)
    {
    }

    /** Stores payloads and verifies them on completion. Runs on the IO agent thread. */
    static final class RecordingHandler implements MessageHandler
    {
        final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        private final ConcurrentHashMap<Long, ByteBuffer> buffers = new ConcurrentHashMap<>();
        private long pendingSequence;
        private long pendingCrc;
        private long pendingSrc;

        public void onHeader(final long connectionId, final long srcNid, final LnetHeaderFlyweight header,
            final RxDecision decision)
        {
            pendingSequence = header.matchBits();
            pendingCrc = header.putHdrData();
            pendingSrc = srcNid;
            final int length = header.payloadLength();
            if (length == 0)
            {
                decision.drop();
                return;
            }
            final ByteBuffer buffer = ByteBuffer.allocateDirect(length);
            buffers.put(connectionId, buffer);
            decision.deliverTo(DirectMemory.address(new UnsafeBuffer(buffer), 0), length);
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength,
            final int payloadLength)
        {
            boolean intact = pendingCrc == 0 && payloadLength == 0;
            if (payloadLength > 0)
            {
                final ByteBuffer buffer = buffers.remove(connectionId);
                final CRC32C crc = new CRC32C();
                crc.update(buffer.duplicate().limit(receivedLength));
                intact = crc.getValue() == pendingCrc && receivedLength == payloadLength;
            }
            received.add(new Received(connectionId, pendingSrc, pendingSequence, payloadLength, intact));
        }
    }

    /** Collects completions. */
    static final class Completions implements CompletionHandler
    {
        final List<long[]> done = Collections.synchronizedList(new ArrayList<>());

        public void onCompletion(final long correlationId, final int status)
        {
            done.add(new long[]{correlationId, status});
        }
    }

    static NodeConfig config(final String nid)
    {
        return new NodeConfig().nid(nid).port(WireConstants.LNET_ACCEPT_PORT)
            .reconnect(200, 2000, TimeUnit.MILLISECONDS);
    }

    /**
     * Write a PUT header with sequence and payload CRC; returns the header buffer.
     */
    static UnsafeBuffer putHeader(
        final long src, final long dst, final long sequence, final ByteBuffer payload, final int length)
    {
        final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(LnetHeaderFlyweight.LENGTH));
        final CRC32C crc = new CRC32C();
        if (length > 0)
        {
            crc.update(payload.duplicate().position(0).limit(length));
        }
        new LnetHeaderFlyweight().wrapForEncode(header, 0, LnetHeaderFlyweight.LENGTH, WireConstants.LNET_MSG_PUT)
            .destNid(dst)
            .srcNid(src)
            .destPid(WireConstants.LNET_PID_LUSTRE)
            .srcPid(WireConstants.LNET_PID_LUSTRE)
            .payloadLength(length)
            .wmdInterfaceCookie(-1L)
            .wmdObjectCookie(-1L)
            .matchBits(sequence)
            .putHdrData(length > 0 ? crc.getValue() : 0)
            .putPtlIndex(4)
            .putOffset(0);
        return header;
    }

    static boolean await(final BooleanSupplier condition, final long timeoutMs)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() - deadline < 0)
        {
            if (condition.getAsBoolean())
            {
                return true;
            }
            try
            {
                Thread.sleep(2);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    static long nid(final String text)
    {
        return Nid.parse(text);
    }
}
