package io.jsocklnd.harness;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.lnd.MessageHandler;
import io.jsocklnd.lnd.RxDecision;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * A receiving layer for exchange tests: every payload lands in a 1 MiB buffer of its connection, is
 * checked against the CRC32C its sender put in {@code hdr_data}, and is recorded with its sequence
 * ({@code match_bits}), connection and source NID. Called on the node's IO thread; any thread may read
 * {@link #count()} and then the records before it.
 */
public final class CheckingReceiver implements MessageHandler
{
    private final Long2ObjectHashMap<Slot> slots = new Long2ObjectHashMap<>();
    private final long[] sequences;
    private final long[] connectionIds;
    private final long[] srcNids;
    private final int[] lengths;
    private final boolean[] intact;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger overflow = new AtomicInteger();
    private volatile Thread lastThread;

    private static final class Slot
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(Traffic.MAX_PAYLOAD);
        final long address = DirectMemory.address(new UnsafeBuffer(buffer), 0);
        final CRC32C crc = new CRC32C();
        long sequence;
        long expectedCrc;
        long srcNid;
    }

    /**
     * @param capacity most messages recorded.
     */
    public CheckingReceiver(final int capacity)
    {
        sequences = new long[capacity];
        connectionIds = new long[capacity];
        srcNids = new long[capacity];
        lengths = new int[capacity];
        intact = new boolean[capacity];
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
        slot.sequence = header.matchBits();
        slot.expectedCrc = header.putHdrData();
        slot.srcNid = srcNid;
        decision.deliverTo(slot.address, Traffic.MAX_PAYLOAD);
    }

    public void onPayload(final long connectionId, final long address, final int receivedLength, final int payloadLength)
    {
        lastThread = Thread.currentThread();
        final Slot slot = slots.get(connectionId);
        long crc = 0;
        if (receivedLength > 0)
        {
            slot.crc.reset();
            slot.buffer.clear().limit(receivedLength);
            slot.crc.update(slot.buffer);
            crc = slot.crc.getValue();
        }
        final int index = count.get();
        if (index >= sequences.length)
        {
            overflow.incrementAndGet();
            return;
        }
        sequences[index] = slot.sequence;
        connectionIds[index] = connectionId;
        srcNids[index] = slot.srcNid;
        lengths[index] = payloadLength;
        intact[index] = receivedLength == payloadLength && address == slot.address && crc == slot.expectedCrc;
        count.lazySet(index + 1);
    }

    /**
     * @return messages recorded so far (warm-ups included).
     */
    public int count()
    {
        return count.get();
    }

    /**
     * @return the thread that delivered the last payload.
     */
    public Thread lastThread()
    {
        return lastThread;
    }

    /**
     * Check what arrived against a plan of {@code planCount} messages from one sender.
     *
     * @param planCount   messages the sender's plan holds (sequences 0..planCount-1).
     * @param expectedSrc the sender's NID.
     * @param minBulk     the sender's {@code min_bulk}, to tell small from large.
     * @return the findings.
     */
    public Report report(final int planCount, final long expectedSrc, final int minBulk)
    {
        return report(0, planCount, expectedSrc, minBulk);
    }

    /**
     * Check what arrived against a plan; messages of other plans (other sequences), and warm-ups from other
     * senders, are only counted.
     *
     * @param base        the plan's first sequence.
     * @param planCount   messages the plan holds (sequences base..base+planCount-1).
     * @param expectedSrc the sender's NID.
     * @param minBulk     the sender's {@code min_bulk}, to tell small from large.
     * @return the findings.
     */
    public Report report(final long base, final int planCount, final long expectedSrc, final int minBulk)
    {
        final int n = count.get();
        final int[] seen = new int[planCount];
        final Report r = new Report();
        long lastSmall = -1;
        final Map<Long, Long> lastByConnection = new LinkedHashMap<>();
        long lastLarge = -1;
        for (int i = 0; i < n; i++)
        {
            final long sequence = sequences[i];
            if ((sequence & Traffic.WARMUP_FLAG) != 0)
            {
                if (srcNids[i] != expectedSrc)
                {
                    r.others++;
                    continue;
                }
                r.warmups++;
                if (!intact[i])
                {
                    r.corrupt++;
                }
                continue;
            }
            if (sequence < base || sequence >= base + planCount)
            {
                r.others++;
                continue;
            }
            if (!intact[i])
            {
                r.corrupt++;
            }
            if (srcNids[i] != expectedSrc)
            {
                r.wrongSrc++;
            }
            r.received++;
            seen[(int)(sequence - base)]++;
            final boolean small = Traffic.isSmall(lengths[i], minBulk);
            (small ? r.smallConnections : r.largeConnections).add(connectionIds[i]);
            if (small)
            {
                if (sequence < lastSmall)
                {
                    r.reordered++;
                }
                lastSmall = sequence;
            }
            else
            {
                if (sequence < lastLarge)
                {
                    r.reordered++;
                }
                lastLarge = sequence;
            }
            final Long previous = lastByConnection.put(connectionIds[i], sequence);
            if (null != previous && previous > sequence)
            {
                r.reorderedOnConnection++;
            }
        }
        for (int i = 0; i < planCount; i++)
        {
            if (seen[i] == 0)
            {
                r.missing++;
            }
            else if (seen[i] > 1)
            {
                r.duplicates += seen[i] - 1;
            }
        }
        r.overflow = overflow.get();
        return r;
    }

    /**
     * What a receiver found, as {@code key=value} words so it can cross a process boundary.
     */
    public static final class Report
    {
        public int received;
        public int warmups;
        public int missing;
        public int duplicates;
        public int corrupt;
        public int wrongSrc;
        /** Messages of other plans. */
        public int others;
        public int overflow;
        /** Messages of one size class that arrived out of send order. */
        public int reordered;
        /** Messages that arrived out of send order on one connection. */
        public int reorderedOnConnection;
        public final TreeSet<Long> smallConnections = new TreeSet<>();
        public final TreeSet<Long> largeConnections = new TreeSet<>();

        /**
         * @return whether every message of the plan arrived once, intact, from the right NID, and in send
         * order on each connection.
         */
        public boolean perfect()
        {
            return missing == 0 && duplicates == 0 && corrupt == 0 && wrongSrc == 0 &&
                overflow == 0 && reorderedOnConnection == 0;
        }

        /**
         * @return {@link #perfect()}, and also in send order within each size class (true once the whole
         * connection bundle is up, so each class always takes the same connection).
         */
        public boolean perfectInClassOrder()
        {
            return perfect() && reordered == 0;
        }

        public String toString()
        {
            return "received=" + received + " warmups=" + warmups + " missing=" + missing +
                " duplicates=" + duplicates + " corrupt=" + corrupt + " wrong_src=" + wrongSrc +
                " others=" + others + " overflow=" + overflow + " reordered=" + reordered +
                " reordered_on_connection=" + reorderedOnConnection +
                " small_conns=" + join(smallConnections) + " large_conns=" + join(largeConnections);
        }

        private static String join(final TreeSet<Long> ids)
        {
            final List<String> parts = new ArrayList<>();
            ids.forEach(id -> parts.add(Long.toString(id)));
            return parts.isEmpty() ? "-" : String.join(",", parts);
        }

        /**
         * Parse {@link #toString()} output.
         *
         * @param line the words.
         * @return the report.
         */
        public static Report parse(final String line)
        {
            final Map<String, String> words = new LinkedHashMap<>();
            for (final String word : line.trim().split(" "))
            {
                final int eq = word.indexOf('=');
                if (eq > 0)
                {
                    words.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
            final Report r = new Report();
            r.received = Integer.parseInt(words.get("received"));
            r.warmups = Integer.parseInt(words.get("warmups"));
            r.missing = Integer.parseInt(words.get("missing"));
            r.duplicates = Integer.parseInt(words.get("duplicates"));
            r.corrupt = Integer.parseInt(words.get("corrupt"));
            r.wrongSrc = Integer.parseInt(words.get("wrong_src"));
            r.others = Integer.parseInt(words.get("others"));
            r.overflow = Integer.parseInt(words.get("overflow"));
            r.reordered = Integer.parseInt(words.get("reordered"));
            r.reorderedOnConnection = Integer.parseInt(words.get("reordered_on_connection"));
            parseIds(words.get("small_conns"), r.smallConnections);
            parseIds(words.get("large_conns"), r.largeConnections);
            return r;
        }

        private static void parseIds(final String text, final TreeSet<Long> into)
        {
            if (null != text && !text.equals("-"))
            {
                for (final String id : text.split(","))
                {
                    into.add(Long.parseLong(id));
                }
            }
        }
    }
}
