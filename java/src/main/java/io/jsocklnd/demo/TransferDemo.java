package io.jsocklnd.demo;

import io.jsocklnd.lnet.EventHandler;
import io.jsocklnd.lnet.EventQueue;
import io.jsocklnd.lnet.Lnet;
import io.jsocklnd.lnet.LnetEvent;
import io.jsocklnd.lnet.LnetEventType;
import io.jsocklnd.lnet.MemoryDescriptor;
import io.jsocklnd.lnet.PingInfo;
import io.jsocklnd.lnet.PingResult;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.lnd.ZcProbe;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_LUSTRE;

/**
 * {@code make demo}: three independent nodes in one JVM on loopback, a current one and two that behave as old
 * socklnds (V2 and V1), each with its own acceptor, IO agent and sockets. The current node pings the others and is
 * pinged by them, then moves the same amount of data to each in 1 MiB PUTs with LNet ACKs, zero-copy where the peer
 * can ACK it (V2) and copied where it cannot (V1). Each PUT carries the CRC32C of its payload in {@code hdr_data};
 * the receiver checks it and returns its own CRC32C in a small PUT that frees the slot for the next chunk. Prints
 * the connections with their protocol, throughput, the ZC requests and ACKs, bytes per send path, how the receiver
 * sent its ZC-ACKs, and {@code RESULT: every byte arrived intact} (exit 0) or {@code RESULT: FAILED ...} (exit 1).
 * <p>
 * Arguments: {@code [MiB per peer, default 1024] [current NID] [legacy V2 NID] [legacy V1 NID]}. The system property
 * {@value #CORRUPT_CHUNK_PROPERTY} flips one byte of that chunk of every transfer after its CRC32C is taken, to see
 * the check fail.
 */
public final class TransferDemo
{
    /** System property: index of the chunk to corrupt in every transfer, after its CRC32C is taken. */
    public static final String CORRUPT_CHUNK_PROPERTY = "jsocklnd.demo.corruptChunk";
    /** System property: seconds before the demo gives up. */
    public static final String DEADLINE_PROPERTY = "jsocklnd.demo.deadlineSeconds";

    static final int CHUNK = WireConstants.LNET_MAX_PAYLOAD;
    static final int DATA_PORTAL = 62;
    static final int CREDIT_PORTAL = 63;
    static final int SINK_SLOTS = 32;
    static final int SOURCES = 16;
    static final int CREDIT_LENGTH = 8;
    private static final int PAGE = 4096;
    private static final int EVENT_QUEUE_CAPACITY = 1 << 20;
    /** {@code user_ptr} of the receiver's descriptors, whose events share one queue with the sender's. */
    private static final long RECEIVER_SIDE = -1L;
    private static final long PING_TIMEOUT_S = 5;
    private static final long WATCHDOG_GRACE_S = 10;

    /**
     * What to run.
     *
     * @param mib             MiB to send to each peer.
     * @param currentNid      NID of the current node.
     * @param v2Nid           NID of the legacy V2 node.
     * @param v1Nid           NID of the legacy V1 node.
     * @param corruptChunk    chunk to corrupt in every transfer, or -1.
     * @param deadlineSeconds seconds for the whole run.
     */
    record Options(long mib, String currentNid, String v2Nid, String v1Nid, long corruptChunk, long deadlineSeconds)
    {
    }

    private TransferDemo()
    {
    }

    /**
     * Run the demo and exit with its result.
     *
     * @param args MiB per peer, current NID, legacy V2 NID, legacy V1 NID.
     */
    public static void main(final String[] args)
    {
        final Options options = options(args, System.getProperties());
        final Thread watchdog = new Thread(() ->
        {
            try
            {
                Thread.sleep(TimeUnit.SECONDS.toMillis(options.deadlineSeconds() + WATCHDOG_GRACE_S));
                System.out.println("RESULT: FAILED the demo did not stop within " +
                    (options.deadlineSeconds() + WATCHDOG_GRACE_S) + " s");
                System.out.flush();
                Runtime.getRuntime().halt(1);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
        }, "jsocklnd-demo-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        final int rc = run(options, System.out);
        System.out.flush();
        System.exit(rc);
    }

    /**
     * @param args       MiB per peer, current NID, legacy V2 NID, legacy V1 NID, each optional.
     * @param properties where {@value #CORRUPT_CHUNK_PROPERTY} and {@value #DEADLINE_PROPERTY} are read.
     * @return the options.
     */
    static Options options(final String[] args, final Properties properties)
    {
        final long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        if (mib < 1)
        {
            throw new IllegalArgumentException("bad size: mib=" + mib);
        }
        return new Options(
            mib,
            args.length > 1 ? args[1] : "127.0.0.11@tcp",
            args.length > 2 ? args[2] : "127.0.0.12@tcp",
            args.length > 3 ? args[3] : "127.0.0.13@tcp",
            Long.parseLong(properties.getProperty(CORRUPT_CHUNK_PROPERTY, "-1")),
            Long.parseLong(properties.getProperty(DEADLINE_PROPERTY, "50")));
    }

    /**
     * The demo: start the nodes, ping, transfer, report, close every node.
     *
     * @param options what to run.
     * @param out     where the report goes.
     * @return 0 if every byte arrived intact, else 1.
     */
    static int run(final Options options, final PrintStream out)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.deadlineSeconds());
        final List<String> failures = new ArrayList<>();
        Lnet current = null;
        Lnet v2 = null;
        Lnet v1 = null;
        try
        {
            // Zero copy whether or not it is the faster path here (AUTO may copy): the demo shows the ZC-ACK.
            current = Lnet.start(config(options.currentNid()).zcMode(ZcProbe.zeroCopyMode()));
            v2 = Lnet.start(config(options.v2Nid()).legacyProtocol(2));
            v1 = Lnet.start(config(options.v1Nid()).legacyProtocol(1));
            out.printf("nodes (one JVM, each with its own acceptor on port %d, IO agent and sockets):%n",
                WireConstants.LNET_ACCEPT_PORT);
            out.printf("  %-16s current (offers V3), zero copy %s from %d bytes%n", options.currentNid(),
                current.node().config().zcMode(), current.node().config().zcMinPayload());
            out.printf("  %-16s legacy V2 socklnd%n", options.v2Nid());
            out.printf("  %-16s legacy V1 socklnd%n", options.v1Nid());
            final String log = System.getProperty("org.slf4j.simpleLogger.logFile");
            if (null != log && !"System.err".equals(log))
            {
                out.println("  engine log: " + log);
            }

            out.println("ping:");
            ping(current, v2, out);
            ping(current, v1, out);
            ping(v2, current, out);
            ping(v1, current, out);

            final long chunks = options.mib() * ((1 << 20) / CHUNK);
            final Transfer toV2 = new Transfer(current, v2, chunks, options.corruptChunk(), 1);
            final Transfer toV1 = new Transfer(current, v1, chunks, options.corruptChunk(), 2);
            for (final Transfer t : new Transfer[]{toV2, toV1})
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    failures.add("deadline of " + options.deadlineSeconds() + " s passed before the transfer to " +
                        Nid.toString(t.receiver.nid()));
                    break;
                }
                out.printf("PUT %d MiB %s -> %s in %d-byte chunks, each with an LNet ACK and its CRC32C in hdr_data:%n",
                    options.mib(), Nid.toString(current.nid()), Nid.toString(t.receiver.nid()), CHUNK);
                out.flush();
                t.run(deadlineNs);
                t.report(out);
                failures.addAll(t.failures());
            }
        }
        catch (final Exception ex)
        {
            failures.add(ex.getClass().getSimpleName() + ": " + ex.getMessage());
        }
        finally
        {
            CloseHelper.quietCloseAll(current, v2, v1);
        }
        if (failures.isEmpty())
        {
            out.println("RESULT: every byte arrived intact");
            return 0;
        }
        out.println("RESULT: FAILED " + String.join("; ", failures));
        return 1;
    }

    private static NodeConfig config(final String nid)
    {
        return new NodeConfig().nid(nid).reconnect(200, 2000, TimeUnit.MILLISECONDS);
    }

    private static void ping(final Lnet from, final Lnet to, final PrintStream out) throws Exception
    {
        final PingResult first = from.ping(to.nid(), LNET_PID_LUSTRE, PING_TIMEOUT_S, TimeUnit.SECONDS);
        final PingResult second = from.ping(to.nid(), LNET_PID_LUSTRE, PING_TIMEOUT_S, TimeUnit.SECONDS);
        final StringBuilder nids = new StringBuilder();
        for (final PingInfo.NiStatus ni : second.info().interfaces())
        {
            nids.append(nids.length() == 0 ? "" : ", ").append(ni);
        }
        out.printf("  %-16s -> %-16s NIDs [%s], rtt %.3f ms, then %.3f ms%n", Nid.toString(from.nid()),
            Nid.toString(to.nid()), nids, first.rttNs() / 1e6, second.rttNs() / 1e6);
    }

    private static long sum(final Map<String, Long> counters, final String prefix, final String suffix)
    {
        long total = 0;
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (e.getKey().startsWith(prefix) && e.getKey().endsWith(suffix))
            {
                total += e.getValue();
            }
        }
        return total;
    }

    /**
     * One transfer from the current node to a receiver. The receiver's sink has {@link #SINK_SLOTS} slots of 1 MiB;
     * chunk {@code i} goes to slot {@code i % SINK_SLOTS}, which is free again only when the receiver's credit for the
     * previous chunk there has come back, so the receiver always checks a chunk before the next one lands on it.
     * Source buffers are rewritten for each chunk once the PUT's SEND and ACK events have come (for a ZC send the SEND
     * event waits for the ZC-ACK), so a page still in flight would show up as a CRC mismatch.
     */
    private static final class Transfer
    {
        final Lnet sender;
        final Lnet receiver;
        final long chunks;
        final long corruptChunk;
        final long stamp;
        final EventQueue events = new EventQueue(EVENT_QUEUE_CAPACITY);
        final UnsafeBuffer[] sources = new UnsafeBuffer[SOURCES];
        final ByteBuffer[] sourceViews = new ByteBuffer[SOURCES];
        final boolean[] sourceBusy = new boolean[SOURCES];
        final boolean[] slotBusy = new boolean[SINK_SLOTS];
        final long[] sentCrc = new long[SINK_SLOTS];
        final ByteBuffer sink = ByteBuffer.allocateDirect(SINK_SLOTS * CHUNK);
        final ByteBuffer sinkView = sink.duplicate();
        final UnsafeBuffer creditsIn = new UnsafeBuffer(ByteBuffer.allocateDirect(SINK_SLOTS * CREDIT_LENGTH));
        final UnsafeBuffer creditsOut = new UnsafeBuffer(ByteBuffer.allocateDirect(SINK_SLOTS * CREDIT_LENGTH));
        final ArrayDeque<Long> pendingCredits = new ArrayDeque<>(SINK_SLOTS);
        final CRC32C crc = new CRC32C();
        final List<String> failures = new ArrayList<>();
        final EventHandler onEvent = this::onEvent;

        long next;
        long credited;
        long creditsInFlight;
        long busySources;
        long lnetAcks;
        long receivedGood;
        long receivedBad;
        long bytesVerified;
        long crcEchoMismatches;
        long startNs;
        /** From the first PUT to the last chunk's credit. */
        long elapsedNs;
        long sinkHandle;
        /** The node whose command ring was full at the last PUT, if one was. */
        Lnet stalled;
        long creditHandle;
        Map<String, Long> senderBefore;
        Map<String, Long> receiverBefore;
        Map<String, Long> senderAfter;
        Map<String, Long> receiverAfter;

        Transfer(final Lnet sender, final Lnet receiver, final long chunks, final long corruptChunk, final long stamp)
        {
            this.sender = sender;
            this.receiver = receiver;
            this.chunks = chunks;
            this.corruptChunk = corruptChunk;
            this.stamp = stamp;
            final Random random = new Random(42 + stamp);
            final byte[] bytes = new byte[CHUNK];
            for (int i = 0; i < SOURCES; i++)
            {
                sources[i] = DirectMemory.allocatePageAligned(CHUNK);
                random.nextBytes(bytes);
                sources[i].putBytes(0, bytes);
                sourceViews[i] = sources[i].byteBuffer().duplicate();
            }
        }

        void run(final long deadlineNs)
        {
            sinkHandle = receiver.attach(DATA_PORTAL, sender.nid(), LNET_PID_ANY, 0, -1L,
                new MemoryDescriptor().memory(sink).options(MemoryDescriptor.OP_PUT | MemoryDescriptor.MANAGE_REMOTE)
                    .persistent().userPtr(RECEIVER_SIDE).eventQueue(events));
            creditHandle = sender.attach(CREDIT_PORTAL, receiver.nid(), LNET_PID_ANY, 0, -1L,
                new MemoryDescriptor().memory(creditsIn, 0, creditsIn.capacity())
                    .options(MemoryDescriptor.OP_PUT | MemoryDescriptor.MANAGE_REMOTE)
                    .persistent().eventQueue(events));
            senderBefore = sender.node().counters();
            receiverBefore = receiver.node().counters();
            startNs = System.nanoTime();
            try
            {
                while (failures.isEmpty() && (credited < chunks || busySources > 0 || creditsInFlight > 0))
                {
                    int work = sendChunks();
                    work += events.poll(onEvent, 128);
                    work += sendCredits();
                    if (System.nanoTime() - deadlineNs > 0)
                    {
                        failures.add(String.format("deadline passed: peer=%s chunks_sent=%d chunks_checked=%d " +
                                "of=%d lnet_acks=%d credits_in_flight=%d", Nid.toString(receiver.nid()), next,
                            credited, chunks, lnetAcks, creditsInFlight));
                    }
                    if (0 == work && failures.isEmpty())
                    {
                        await(deadlineNs);
                    }
                }
            }
            finally
            {
                receiver.unlink(sinkHandle);
                sender.unlink(creditHandle);
                senderAfter = sender.node().counters();
                receiverAfter = receiver.node().counters();
            }
        }

        /**
         * Nothing to do: wait for an event of either node, or for room in the command ring of a node that had none.
         * Whatever keeps the loop going has an event to come (a chunk's SEND and ACK, its PUT at the receiver, a
         * credit's SEND and PUT), so only a full command ring stalls the loop without one.
         */
        private void await(final long deadlineNs)
        {
            final long remainingNs = deadlineNs - System.nanoTime();
            final Lnet full = stalled;
            stalled = null;
            if (null != full)
            {
                full.awaitCommandRoom(remainingNs, TimeUnit.NANOSECONDS);
            }
            else
            {
                events.poll(onEvent, 128, remainingNs, TimeUnit.NANOSECONDS);
            }
        }

        private void onEvent(final LnetEvent event)
        {
            if (event.userPtr() == RECEIVER_SIDE)
            {
                onReceiverEvent(event);
            }
            else
            {
                onSenderEvent(event);
            }
        }

        private int sendChunks()
        {
            int sent = 0;
            while (next < chunks && failures.isEmpty())
            {
                final int slot = (int)(next % SINK_SLOTS);
                final int source = freeSource();
                if (slotBusy[slot] || source < 0)
                {
                    break;
                }
                final UnsafeBuffer buffer = sources[source];
                for (int page = 0; page < CHUNK; page += PAGE)
                {
                    buffer.putLong(page, (stamp << 56) ^ (next << 20) ^ page);
                }
                final long chunkCrc = crc32c(sourceViews[source], 0);
                if (next == corruptChunk)
                {
                    buffer.putByte(CHUNK / 2 + 100, (byte)~buffer.getByte(CHUNK / 2 + 100));
                }
                final long md = sender.bind(new MemoryDescriptor().memory(buffer, 0, CHUNK).threshold(2)
                    .userPtr(source).eventQueue(events));
                final int rc = sender.put(md, true, receiver.nid(), LNET_PID_LUSTRE, DATA_PORTAL, next,
                    slot * CHUNK, chunkCrc);
                if (rc == -Errno.EAGAIN)
                {
                    sender.unlink(md);
                    stalled = sender;
                    break;
                }
                if (rc != 0)
                {
                    failures.add("put failed: chunk=" + next + " rc=" + rc);
                    break;
                }
                sentCrc[slot] = chunkCrc;
                slotBusy[slot] = true;
                sourceBusy[source] = true;
                busySources++;
                next++;
                sent++;
            }
            return sent;
        }

        private int freeSource()
        {
            for (int i = 0; i < SOURCES; i++)
            {
                if (!sourceBusy[i])
                {
                    return i;
                }
            }
            return -1;
        }

        private void onSenderEvent(final LnetEvent event)
        {
            switch (event.type())
            {
                case PUT ->
                {
                    final int slot = event.offset() / CREDIT_LENGTH;
                    final long chunk = event.hdrData();
                    if (event.status() != 0 || event.mlength() != CREDIT_LENGTH || chunk % SINK_SLOTS != slot ||
                        !slotBusy[slot])
                    {
                        failures.add("bad credit: chunk=" + chunk + " slot=" + slot + " status=" + event.status());
                        return;
                    }
                    if (creditsIn.getLong(event.offset(), ByteOrder.LITTLE_ENDIAN) != sentCrc[slot])
                    {
                        crcEchoMismatches++;
                    }
                    slotBusy[slot] = false;
                    if (++credited == chunks)
                    {
                        elapsedNs = System.nanoTime() - startNs;
                    }
                }
                case SEND ->
                {
                    if (event.status() != 0)
                    {
                        failures.add("send failed: chunk=" + event.matchBits() + " status=" + event.status());
                    }
                    releaseIfUnlinked(event);
                }
                case ACK ->
                {
                    lnetAcks++;
                    if (event.mlength() != CHUNK)
                    {
                        failures.add("receiver took " + event.mlength() + " of " + CHUNK + " bytes: chunk=" +
                            event.matchBits());
                    }
                    releaseIfUnlinked(event);
                }
                default ->
                {
                    // UNLINK of the credit descriptor: nothing to release
                }
            }
        }

        private void releaseIfUnlinked(final LnetEvent event)
        {
            if (event.unlinked())
            {
                sourceBusy[(int)event.userPtr()] = false;
                busySources--;
            }
        }

        private void onReceiverEvent(final LnetEvent event)
        {
            if (event.type() == LnetEventType.SEND)
            {
                creditsInFlight--;
                if (event.status() != 0)
                {
                    failures.add("credit send failed: chunk=" + event.hdrData() + " status=" + event.status());
                }
                return;
            }
            if (event.type() != LnetEventType.PUT)
            {
                return;
            }
            final long chunk = event.matchBits();
            final int offset = event.offset();
            final long receivedCrc = event.mlength() == CHUNK ? crc32c(sinkView, offset) : -1;
            if (event.status() == 0 && event.mlength() == CHUNK && event.rlength() == CHUNK &&
                offset == (int)(chunk % SINK_SLOTS) * CHUNK && receivedCrc == event.hdrData())
            {
                receivedGood++;
                bytesVerified += event.mlength();
            }
            else
            {
                receivedBad++;
            }
            creditsOut.putLong(offset / CHUNK * CREDIT_LENGTH, receivedCrc, ByteOrder.LITTLE_ENDIAN);
            pendingCredits.addLast(chunk);
        }

        private int sendCredits()
        {
            int sent = 0;
            while (!pendingCredits.isEmpty())
            {
                final long chunk = pendingCredits.peekFirst();
                final int at = (int)(chunk % SINK_SLOTS) * CREDIT_LENGTH;
                final long md = receiver.bind(new MemoryDescriptor().memory(creditsOut, at, CREDIT_LENGTH)
                    .threshold(1).userPtr(RECEIVER_SIDE).eventQueue(events));
                final int rc = receiver.put(md, false, sender.nid(), LNET_PID_LUSTRE, CREDIT_PORTAL, 0, at, chunk);
                if (rc == -Errno.EAGAIN)
                {
                    receiver.unlink(md);
                    stalled = receiver;
                    break;
                }
                pendingCredits.pollFirst();
                if (rc != 0)
                {
                    failures.add("credit put failed: chunk=" + chunk + " rc=" + rc);
                    break;
                }
                creditsInFlight++;
                sent++;
            }
            return sent;
        }

        private long crc32c(final ByteBuffer view, final int offset)
        {
            view.limit(offset + CHUNK).position(offset);
            crc.reset();
            crc.update(view);
            return crc.getValue();
        }

        private long senderDelta(final String suffix)
        {
            final String prefix = "peer " + Nid.toString(receiver.nid()) + " ";
            return sum(senderAfter, prefix, suffix) - sum(senderBefore, prefix, suffix);
        }

        private long receiverDelta(final String counter)
        {
            return sum(receiverAfter, "io ", counter) - sum(receiverBefore, "io ", counter);
        }

        void report(final PrintStream out)
        {
            final String peer = Nid.toString(receiver.nid());
            final List<String> senderConns = new ArrayList<>();
            for (final String line : sender.node().connections())
            {
                if (line.contains(" " + peer + " "))
                {
                    senderConns.add(line);
                }
            }
            out.printf("  connections on %s (version fallbacks %d): %s%n", Nid.toString(sender.nid()),
                sum(senderAfter, "peer " + peer + " ", "version_fallbacks"), String.join(", ", senderConns));
            out.printf("  connections on %s: %s%n", peer, String.join(", ", receiver.node().connections()));
            final long bytes = credited * CHUNK;
            final double seconds = Math.max(elapsedNs, 1) / 1e9;
            out.printf("  throughput: %d MiB in %.3f s = %.0f MiB/s (%.2f Gbit/s), %d LNet ACKs%n", bytes >> 20,
                seconds, bytes / seconds / (1 << 20), bytes * 8 / seconds / 1e9, lnetAcks);
            out.printf("  sender: ZC requests %d, ZC-ACKs received %d; payload bytes copy %d, splice %d, " +
                    "msg_zerocopy %d, sendfile %d%n",
                senderDelta("zc_requests_sent"), senderDelta("zc_acks_received"),
                senderDelta("payload_bytes_copy"), senderDelta("payload_bytes_splice"),
                senderDelta("payload_bytes_msg_zerocopy"), senderDelta("payload_bytes_sendfile"));
            out.printf("  receiver ZC-ACKs: queued %d; on an LNET message: piggybacked %d, NOOP taken over by a " +
                    "message %d; in NOOPs %d (pairs %d, ranges %d)%n",
                receiverDelta("zc_acks_queued"), receiverDelta("zc_acks_piggybacked"),
                receiverDelta("zc_noops_merged"), receiverDelta("zc_ack_noops_sent"),
                receiverDelta("zc_ack_pairs_sent"), receiverDelta("zc_ack_ranges_sent"));
            out.printf("  check: %s verified %d of %d chunks (%d bytes) against the CRC32C in hdr_data: %d intact, " +
                    "%d corrupt; its CRC32C matched the sender's for %d%n", peer, receivedGood + receivedBad, chunks,
                bytesVerified, receivedGood, receivedBad, credited - crcEchoMismatches);
            out.flush();
        }

        List<String> failures()
        {
            final List<String> all = new ArrayList<>(failures);
            final String peer = Nid.toString(receiver.nid());
            if (receivedBad != 0 || receivedGood != chunks || bytesVerified != chunks * CHUNK)
            {
                all.add(String.format("%s: %d of %d chunks intact, %d corrupt", peer, receivedGood, chunks,
                    receivedBad));
            }
            if (crcEchoMismatches != 0)
            {
                all.add(String.format("%s: receiver's CRC32C differs from the sender's for %d chunks", peer,
                    crcEchoMismatches));
            }
            return all;
        }
    }
}
