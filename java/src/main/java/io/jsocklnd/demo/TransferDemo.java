package io.jsocklnd.demo;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.node.CompletionHandler;
import io.jsocklnd.node.MessageHandler;
import io.jsocklnd.node.Node;
import io.jsocklnd.node.NodeConfig;
import io.jsocklnd.node.RxDecision;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Two nodes on loopback: one sends PUTs of 1 MiB (the LNet maximum) to the other, which checks every
 * payload against the CRC32C the sender put in {@code hdr_data}. Prints throughput, the connections each
 * side negotiated, and the counters.
 * <p>
 * Arguments: {@code [MiB to send, default 1024] [sender NID] [receiver NID]}.
 */
public final class TransferDemo
{
    private static final int MESSAGE = WireConstants.LNET_MAX_PAYLOAD;
    private static final int BUFFERS = 16;

    private TransferDemo()
    {
    }

    /**
     * Run the demo.
     *
     * @param args MiB to send, sender NID, receiver NID.
     * @throws Exception if a node cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        final String senderNid = args.length > 1 ? args[1] : "127.0.0.11@tcp";
        final String receiverNid = args.length > 2 ? args[2] : "127.0.0.12@tcp";

        final Receiver receiver = new Receiver();
        final NodeConfig senderConfig = new NodeConfig().nid(senderNid);
        final NodeConfig receiverConfig = new NodeConfig().nid(receiverNid);
        try (Node rx = Node.start(receiverConfig, receiver);
            Node tx = Node.start(senderConfig, new Receiver()))
        {
            final long src = senderConfig.nid();
            final long dst = receiverConfig.nid();
            final UnsafeBuffer[] payloads = new UnsafeBuffer[BUFFERS];
            final long[] crcs = new long[BUFFERS];
            final Random random = new Random(42);
            final byte[] bytes = new byte[MESSAGE];
            for (int i = 0; i < BUFFERS; i++)
            {
                payloads[i] = DirectMemory.allocatePageAligned(MESSAGE);
                random.nextBytes(bytes);
                payloads[i].putBytes(0, bytes);
                final CRC32C crc = new CRC32C();
                crc.update(bytes);
                crcs[i] = crc.getValue();
            }

            final UnsafeBuffer header = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);
            final LnetHeaderFlyweight hdr = new LnetHeaderFlyweight();
            final boolean[] busy = new boolean[BUFFERS];
            final long[] failed = new long[1];
            final long[] completed = new long[1];
            final CompletionHandler onCompletion = (correlationId, status) ->
            {
                busy[(int)(correlationId % BUFFERS)] = false;
                completed[0]++;
                if (status != 0)
                {
                    failed[0]++;
                }
            };

            System.out.printf("sending %d MiB from %s to %s in %d-byte PUTs%n", mib, senderNid, receiverNid, MESSAGE);
            final long startNs = System.nanoTime();
            final long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(120);
            long sent = 0;
            while (completed[0] < mib && System.nanoTime() - deadlineNs < 0)
            {
                tx.pollCompletions(onCompletion, BUFFERS);
                final int slot = (int)(sent % BUFFERS);
                if (sent < mib && !busy[slot])
                {
                    hdr.wrapForEncode(header, 0, LnetHeaderFlyweight.LENGTH, WireConstants.LNET_MSG_PUT)
                        .destNid(dst).srcNid(src)
                        .destPid(WireConstants.LNET_PID_LUSTRE).srcPid(WireConstants.LNET_PID_LUSTRE)
                        .payloadLength(MESSAGE)
                        .wmdInterfaceCookie(-1L).wmdObjectCookie(-1L)
                        .matchBits(sent).putHdrData(crcs[slot]).putPtlIndex(4).putOffset(0);
                    if (tx.send(dst, WireConstants.LNET_PID_LUSTRE, header, 0,
                        DirectMemory.address(payloads[slot], 0), MESSAGE, sent))
                    {
                        busy[slot] = true;
                        sent++;
                    }
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            final long waitNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (receiver.messages < completed[0] && System.nanoTime() - waitNs < 0)
            {
                Thread.onSpinWait();
            }
            final double seconds = (System.nanoTime() - startNs) / 1e9;

            System.out.printf("completed %d of %d sends (%d failed) in %.2f s: %.2f Gbit/s%n",
                completed[0], mib, failed[0], seconds, completed[0] * (double)MESSAGE * 8 / seconds / 1e9);
            System.out.printf("receiver: %d messages, %d intact, %d corrupt%n",
                receiver.messages, receiver.intact, receiver.messages - receiver.intact);
            System.out.println("sender connections:   " + tx.connections());
            System.out.println("receiver connections: " + rx.connections());
            print("sender counters", tx.counters(), Nid.toString(dst));
            if (failed[0] != 0 || receiver.intact != mib || completed[0] != mib)
            {
                System.out.println("RESULT: FAILED");
                System.exit(1);
            }
            System.out.println("RESULT: every byte arrived intact");
        }
    }

    private static void print(final String title, final Map<String, Long> counters, final String peer)
    {
        System.out.println(title + ":");
        counters.forEach((label, value) ->
        {
            if (value != 0 && (label.startsWith("io ") || label.contains(peer)))
            {
                System.out.printf("  %-60s %,d%n", label, value);
            }
        });
    }

    /**
     * Checks every payload; each connection has its own buffer, since messages on different connections
     * are received concurrently.
     */
    private static final class Receiver implements MessageHandler
    {
        private final Long2ObjectHashMap<Slot> slots = new Long2ObjectHashMap<>();
        private final byte[] copy = new byte[MESSAGE];
        private final CRC32C crc = new CRC32C();
        volatile long messages;
        volatile long intact;

        private static final class Slot
        {
            final UnsafeBuffer buffer = DirectMemory.allocatePageAligned(MESSAGE);
            long expectedCrc;
        }

        public void onHeader(final long connectionId, final long srcNid, final LnetHeaderFlyweight header,
            final RxDecision decision)
        {
            final Slot slot = slots.computeIfAbsent(connectionId, id -> new Slot());
            slot.expectedCrc = header.putHdrData();
            decision.deliverTo(DirectMemory.address(slot.buffer, 0), MESSAGE);
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength,
            final int payloadLength)
        {
            final Slot slot = slots.get(connectionId);
            slot.buffer.getBytes(0, copy, 0, receivedLength);
            crc.reset();
            crc.update(copy, 0, receivedLength);
            if (crc.getValue() == slot.expectedCrc && receivedLength == payloadLength)
            {
                intact++;
            }
            messages++;
        }
    }
}
