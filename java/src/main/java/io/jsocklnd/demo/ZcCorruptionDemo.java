package io.jsocklnd.demo;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.lnd.CompletionHandler;
import io.jsocklnd.lnd.MessageHandler;
import io.jsocklnd.lnd.Node;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.lnd.RxDecision;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.collections.IntArrayQueue;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Why a ZC send completes only on the peer's ZC-ACK: two nodes on loopback, a sender that overwrites each
 * payload buffer the instant its completion is polled and reuses it at once, and a receiver that checks the
 * CRC32C of every payload. Runs once waiting for the ACK (the default) and once with the unsafe test switch
 * {@link NodeConfig#UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY} that completes as soon as the kernel took the bytes,
 * and prints the corruption count of each.
 * <p>
 * Arguments: {@code [messages per run, default 20000] [zc mode SPLICE|MSG_ZEROCOPY, default SPLICE]}.
 */
public final class ZcCorruptionDemo
{
    private static final int BUFFERS = 8;
    private static final int MIN_SIZE = 64 * 1024;
    private static final int MAX_SIZE = 256 * 1024;

    private ZcCorruptionDemo()
    {
    }

    /**
     * Run both rounds.
     *
     * @param args messages per run, ZC mode.
     * @throws Exception if a node cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final int messages = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        final NodeConfig.ZcMode mode = args.length > 1 ? NodeConfig.ZcMode.valueOf(args[1]) : NodeConfig.ZcMode.SPLICE;

        final long[] safe = run(messages, mode, false, "127.0.60.1@tcp", "127.0.60.2@tcp");
        final long[] unsafe = run(messages, mode, true, "127.0.60.3@tcp", "127.0.60.4@tcp");
        System.out.printf("%nzc mode %s, %d messages of %d..%d bytes per run%n", mode, messages, MIN_SIZE, MAX_SIZE);
        System.out.printf("  completion on ZC-ACK (default):        received=%d corrupt=%d failed=%d%n",
            safe[0], safe[1], safe[2]);
        System.out.printf("  completion on write (unsafe switch):   received=%d corrupt=%d failed=%d%n",
            unsafe[0], unsafe[1], unsafe[2]);
        if (safe[1] != 0 || safe[0] != messages)
        {
            System.out.println("RESULT: FAILED: corruption or loss while waiting for ZC-ACKs");
            System.exit(1);
        }
        System.out.println(unsafe[1] > 0 ?
            "RESULT: waiting for the ZC-ACK keeps payloads intact; completing on write corrupts them" :
            "RESULT: waiting for the ZC-ACK keeps payloads intact; this run saw no corruption without it either");
    }

    /**
     * @return received, corrupt, failed.
     */
    private static long[] run(
        final int messages, final NodeConfig.ZcMode mode, final boolean unsafe, final String senderNid,
        final String receiverNid) throws Exception
    {
        final Receiver receiver = new Receiver();
        final NodeConfig receiverConfig = new NodeConfig().nid(receiverNid);
        final NodeConfig senderConfig;
        if (unsafe)
        {
            System.setProperty(NodeConfig.UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY, "true");
        }
        try
        {
            senderConfig = new NodeConfig().nid(senderNid).zcMode(mode);
        }
        finally
        {
            System.clearProperty(NodeConfig.UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY);
        }

        try (Node rx = Node.start(receiverConfig, receiver);
            Node tx = Node.start(senderConfig, new Receiver()))
        {
            final long src = senderConfig.nid();
            final long dst = receiverConfig.nid();
            final UnsafeBuffer[] buffers = new UnsafeBuffer[BUFFERS];
            final IntArrayQueue free = new IntArrayQueue(BUFFERS, -1);
            for (int i = 0; i < BUFFERS; i++)
            {
                buffers[i] = DirectMemory.allocatePageAligned(MAX_SIZE);
                free.addInt(i);
            }
            final int[] bufferOf = new int[messages];
            final int[] sizeOf = new int[messages];
            final long[] failed = new long[1];
            final long[] completed = new long[1];
            final CompletionHandler scribble = (id, status) ->
            {
                final int index = bufferOf[(int)id];
                buffers[index].setMemory(0, sizeOf[(int)id], (byte)0xEE);
                free.addInt(index);
                completed[0]++;
                if (status != 0)
                {
                    failed[0]++;
                }
            };

            final SplittableRandom random = new SplittableRandom(60);
            final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(LnetHeaderFlyweight.LENGTH));
            final LnetHeaderFlyweight hdr = new LnetHeaderFlyweight();
            final CRC32C crc = new CRC32C();
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (int i = 0; i < messages && System.nanoTime() - deadlineNs < 0; i++)
            {
                while (free.isEmpty() && System.nanoTime() - deadlineNs < 0)
                {
                    tx.pollCompletions(scribble, BUFFERS);
                }
                final int index = free.pollInt();
                final int size = MIN_SIZE + random.nextInt(MAX_SIZE - MIN_SIZE + 1);
                final UnsafeBuffer buffer = buffers[index];
                long x = random.nextLong() | 1;
                for (int at = 0; at + 8 <= size; at += 8)
                {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    buffer.putLong(at, x);
                }
                crc.reset();
                crc.update(buffer.byteBuffer().duplicate().position(0).limit(size));
                bufferOf[i] = index;
                sizeOf[i] = size;
                hdr.wrapForEncode(header, 0, LnetHeaderFlyweight.LENGTH, WireConstants.LNET_MSG_PUT)
                    .destNid(dst).srcNid(src)
                    .destPid(WireConstants.LNET_PID_LUSTRE).srcPid(WireConstants.LNET_PID_LUSTRE)
                    .payloadLength(size)
                    .wmdInterfaceCookie(-1L).wmdObjectCookie(-1L)
                    .matchBits(i).putHdrData(crc.getValue()).putPtlIndex(4).putOffset(0);
                while (!tx.send(dst, WireConstants.LNET_PID_LUSTRE, header, 0, DirectMemory.address(buffer, 0), size, i) &&
                    System.nanoTime() - deadlineNs < 0)
                {
                    tx.pollCompletions(scribble, BUFFERS);
                }
            }
            while (completed[0] < messages && System.nanoTime() - deadlineNs < 0)
            {
                tx.pollCompletions(scribble, BUFFERS);
            }
            final long waitNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (receiver.messages < messages && System.nanoTime() - waitNs < 0)
            {
                Thread.onSpinWait();
            }
            System.out.printf("%s -> %s, completion on %s: sent=%d received=%d corrupt=%d, sender counters: %s%n",
                senderNid, receiverNid, unsafe ? "write (UNSAFE)" : "ZC-ACK", completed[0], receiver.messages,
                receiver.corrupt, zcCounters(tx, Nid.toString(dst)));
            return new long[]{receiver.messages, receiver.corrupt, failed[0]};
        }
    }

    private static String zcCounters(final Node node, final String peer)
    {
        final StringBuilder text = new StringBuilder();
        node.counters().forEach((label, value) ->
        {
            if (label.startsWith("peer " + peer + " ") && (label.contains("zc_") || label.contains("payload_bytes")) &&
                value != 0)
            {
                text.append(label.substring(label.lastIndexOf(' ') + 1)).append('=').append(value).append(' ');
            }
        });
        return text.toString().trim();
    }

    /**
     * Checks every payload against the CRC32C in {@code hdr_data}; one buffer per connection.
     */
    private static final class Receiver implements MessageHandler
    {
        private final Long2ObjectHashMap<Slot> slots = new Long2ObjectHashMap<>();
        private final CRC32C crc = new CRC32C();
        volatile long messages;
        volatile long corrupt;

        private static final class Slot
        {
            final UnsafeBuffer buffer = DirectMemory.allocatePageAligned(WireConstants.LNET_MAX_PAYLOAD);
            long expectedCrc;
        }

        public void onHeader(
            final long connectionId, final long srcNid, final LnetHeaderFlyweight header, final RxDecision decision)
        {
            Slot slot = slots.get(connectionId);
            if (null == slot)
            {
                slot = new Slot();
                slots.put(connectionId, slot);
            }
            slot.expectedCrc = header.putHdrData();
            decision.deliverTo(DirectMemory.address(slot.buffer, 0), WireConstants.LNET_MAX_PAYLOAD);
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength, final int payloadLength)
        {
            if (payloadLength == 0)
            {
                return;
            }
            final Slot slot = slots.get(connectionId);
            crc.reset();
            crc.update(slot.buffer.byteBuffer().duplicate().position(0).limit(receivedLength));
            if (crc.getValue() != slot.expectedCrc || receivedLength != payloadLength)
            {
                corrupt++;
            }
            messages++;
        }
    }
}
