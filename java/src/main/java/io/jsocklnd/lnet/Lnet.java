package io.jsocklnd.lnet;

import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.lnd.CompletionHandler;
import io.jsocklnd.lnd.MessageHandler;
import io.jsocklnd.lnd.Node;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.lnd.RxDecision;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

import static io.jsocklnd.wire.WireConstants.LNET_MAX_PAYLOAD;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PING_FEAT_NI_STATUS;
import static io.jsocklnd.wire.WireConstants.LNET_PING_FEAT_RTE_DISABLED;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_PING_MATCHBITS;
import static io.jsocklnd.wire.WireConstants.LNET_RESERVED_PORTAL;
import static io.jsocklnd.wire.WireConstants.LNET_WIRE_HANDLE_COOKIE_NONE;

/**
 * The LNet layer over a {@link Node}: portals with match entries, memory descriptors with wire handles, PUT
 * (with or without ACK), GET and REPLY, events in an {@link EventQueue}, and the ping target on portal 0 that
 * kernel {@code lnetctl ping} and discovery query ({@code lnet/lnet/lib-move.c}, {@code lib-md.c},
 * {@code lib-me.c}, {@code lib-ptl.c}, {@code api-ni.c}).
 *
 * <p>Threads: the match lists, the descriptor table, the sends in flight and the receives in progress belong to
 * the node's IO agent thread, which alone reads and writes them, without locks. Application threads hand their
 * calls over: {@link #bind}, {@link #attach}, {@link #unlink}, {@link #put} and {@link #get} write a command
 * record into a many-to-one ring that the IO agent drains at the start of each duty cycle
 * ({@link MessageHandler#onDutyCycle()}), in whichever threading mode the node runs (in INVOKER mode inside
 * {@link #doWork()}). A descriptor's slot is filled by the application thread that binds it and then belongs to
 * the IO agent until it is unlinked and freed; freed slots come back through a queue. Handles are made by the
 * caller from an atomic counter, so they are returned at once; a per-slot published handle, cleared by the IO
 * agent when a descriptor stops accepting operations, lets calls with a stale handle fail at once with
 * {@code -ENOENT}. A handle that goes stale after the call and before the IO agent takes the command (a
 * use-once descriptor consumed by the wire meanwhile) is dropped and counted ({@code lnet commands_stale}).
 *
 * <p>Matching runs on the IO agent thread when a header arrives; the payload is then read straight into the
 * matched descriptor. The IO agent also turns send completions into SEND and GET events. Events are written to
 * the descriptor's queue without waiting; the application reads them with {@link #poll}. Nothing on the steady
 * path allocates or locks.
 *
 * <p>Return codes follow LNet: 0, or a negative errno ({@code -ENOENT} for a stale handle or an exhausted
 * descriptor, {@code -EINVAL}, {@code -EMSGSIZE} over {@code LNET_MAX_PAYLOAD}, {@code -EAGAIN} when the
 * command ring is full).
 *
 * <p>Like {@code lnet_parse}, an incoming message addressed to this NID is accepted whatever its
 * {@code dest_pid}: LNet reads the destination PID only to forward routed messages; match entries filter on
 * the source PID.
 */
public final class Lnet implements AutoCloseable
{
    /** Portals per node ({@code MAX_PORTALS}). */
    public static final int MAX_PORTALS = 64;
    /** Default bytes of the node's event queue. */
    public static final int DEFAULT_EVENT_QUEUE_CAPACITY = 1 << 20;
    /** Features this node announces in its ping info: it reports NI status and does not route. */
    public static final int PING_FEATURES = LNET_PING_FEAT_NI_STATUS | LNET_PING_FEAT_RTE_DISABLED;
    /** Most ping info entries accepted from a peer ({@code lnet_interfaces_max} default). */
    public static final int MAX_PING_INTERFACES = 200;
    /** Most memory descriptors alive at once. */
    public static final int MAX_MEMORY_DESCRIPTORS = 1 << 16;
    /** Bytes of the ring that hands application calls over to the IO agent. */
    public static final int COMMAND_RING_CAPACITY = 1 << 20;

    private static final int PING_REPLY_CAPACITY = 4096;
    private static final int PUSH_BUFFER_CAPACITY = 4096;
    private static final int INDEX_BITS = 24;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private static final int COMMANDS_PER_CYCLE = 1024;
    private static final int COMPLETIONS_PER_CYCLE = 1024;
    private static final long COMMAND_RING_WAIT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long STALE_HANDLE = 0;
    /** Published while the caller of {@link #unlink} hands the command over; never a live handle. */
    private static final long UNLINK_PENDING = -1;

    private static final int CMD_BIND = 1;
    private static final int CMD_ATTACH = 2;
    private static final int CMD_UNLINK = 3;
    private static final int CMD_PUT = 4;
    private static final int CMD_GET = 5;
    private static final int CMD_HANDLE_OFFSET = 0;
    private static final int CMD_TARGET_NID_OFFSET = CMD_HANDLE_OFFSET + 8;
    private static final int CMD_MATCH_BITS_OFFSET = CMD_TARGET_NID_OFFSET + 8;
    private static final int CMD_HDR_DATA_OFFSET = CMD_MATCH_BITS_OFFSET + 8;
    private static final int CMD_TARGET_PID_OFFSET = CMD_HDR_DATA_OFFSET + 8;
    private static final int CMD_PORTAL_OFFSET = CMD_TARGET_PID_OFFSET + 4;
    private static final int CMD_REMOTE_OFFSET_OFFSET = CMD_PORTAL_OFFSET + 4;
    private static final int CMD_ACK_OFFSET = CMD_REMOTE_OFFSET_OFFSET + 4;
    private static final int CMD_LENGTH = CMD_ACK_OFFSET + 4;

    private static final int OP_PUT_SEND = 1;
    private static final int OP_GET_SEND = 2;
    private static final int OP_REPLY_SEND = 3;
    private static final int OP_ACK_SEND = 4;

    private static final int MATCH_NONE = 0;
    private static final int MATCH_OK = 1;
    private static final int MATCH_DROP = 2;

    private static final String[] COUNTER_NAMES = {
        "puts_in", "gets_in", "acks_in", "replies_in", "puts_out", "gets_out", "acks_out", "replies_out",
        "pings_answered", "drop_no_match", "drop_too_long", "drop_bad_handle", "drop_bad_portal",
        "drop_wrong_nid", "sends_failed", "sends_deferred", "commands_stale", "receives_aborted"};
    private static final int PUTS_IN = 0;
    private static final int GETS_IN = 1;
    private static final int ACKS_IN = 2;
    private static final int REPLIES_IN = 3;
    private static final int PUTS_OUT = 4;
    private static final int GETS_OUT = 5;
    private static final int ACKS_OUT = 6;
    private static final int REPLIES_OUT = 7;
    private static final int PINGS_ANSWERED = 8;
    private static final int DROP_NO_MATCH = 9;
    private static final int DROP_TOO_LONG = 10;
    private static final int DROP_BAD_HANDLE = 11;
    private static final int DROP_BAD_PORTAL = 12;
    private static final int DROP_WRONG_NID = 13;
    private static final int SENDS_FAILED = 14;
    private static final int SENDS_DEFERRED = 15;
    private static final int COMMANDS_STALE = 16;
    private static final int RECEIVES_ABORTED = 17;

    private static final AtomicLongFieldUpdater<LibMd> PUBLISHED_HANDLE =
        AtomicLongFieldUpdater.newUpdater(LibMd.class, "publishedHandle");

    private final long nid;
    private final int pid;
    private final long interfaceCookie;
    private final boolean invoker;
    private final EventQueue defaultQueue;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTER_NAMES.length);
    private final UnsafeBuffer pingTargetBuffer;
    private final UnsafeBuffer pushTargetBuffer;

    // Shared between application threads and the IO agent; each is a concurrent structure.
    private final ManyToOneRingBuffer commands = new ManyToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect(COMMAND_RING_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    private final AtomicReferenceArray<LibMd> slots = new AtomicReferenceArray<>(MAX_MEMORY_DESCRIPTORS);
    private final AtomicInteger slotsCreated = new AtomicInteger();
    private final ManyToManyConcurrentArrayQueue<LibMd> freeSlots =
        new ManyToManyConcurrentArrayQueue<>(MAX_MEMORY_DESCRIPTORS);
    private final AtomicLong generations = new AtomicLong();
    private final ThreadLocal<UnsafeBuffer> commandScratch =
        ThreadLocal.withInitial(() -> new UnsafeBuffer(ByteBuffer.allocateDirect(CMD_LENGTH)));

    // Owned by the IO agent thread.
    private final UnsafeBuffer eventScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(LnetEvent.LENGTH));
    private final LnetHeaderFlyweight headerEncoder = new LnetHeaderFlyweight();
    private final Receiver receiver = new Receiver();
    private final CompletionHandler completionHandler = this::onCompletion;
    private final org.agrona.concurrent.MessageHandler commandHandler = this::onCommand;
    private final LibMd[] portalHeads = new LibMd[MAX_PORTALS];
    private final LibMd[] portalTails = new LibMd[MAX_PORTALS];
    private Op[] ops = new Op[1024];
    private int opCount;
    private int[] freeOps = new int[1024];
    private int freeOpCount;
    private final ArrayDeque<Op> deferred = new ArrayDeque<>(256);

    private LibMd matchedMd;
    private int matchedOffset;
    private int matchedLength;

    private volatile Node node;

    private Lnet(final NodeConfig config, final int eventQueueCapacity)
    {
        nid = config.nid();
        pid = config.pid();
        interfaceCookie = config.incarnation();
        invoker = config.threadingMode() == NodeConfig.ThreadingMode.INVOKER;
        defaultQueue = new EventQueue(eventQueueCapacity);

        pingTargetBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(PingInfo.length(2)));
        PingInfo.encode(pingTargetBuffer, 0, PING_FEATURES, pid, 1, nid);
        attach(LNET_RESERVED_PORTAL, LNET_NID_ANY, LNET_PID_ANY, LNET_PROTO_PING_MATCHBITS, 0,
            new MemoryDescriptor().memory(pingTargetBuffer, 0, pingTargetBuffer.capacity())
                .options(MemoryDescriptor.OP_GET | MemoryDescriptor.TRUNCATE | MemoryDescriptor.MANAGE_REMOTE)
                .persistent().eventQueue(null));
        pushTargetBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(PUSH_BUFFER_CAPACITY));
        attach(LNET_RESERVED_PORTAL, LNET_NID_ANY, LNET_PID_ANY, LNET_PROTO_PING_MATCHBITS, 0,
            new MemoryDescriptor().memory(pushTargetBuffer, 0, pushTargetBuffer.capacity())
                .options(MemoryDescriptor.OP_PUT | MemoryDescriptor.TRUNCATE | MemoryDescriptor.MANAGE_REMOTE)
                .persistent().eventQueue(null));
    }

    /**
     * Start a node with the LNet layer above it and an event queue of {@link #DEFAULT_EVENT_QUEUE_CAPACITY}.
     *
     * @param config the node's settings.
     * @return the running LNet instance.
     * @throws NativeIoException if the acceptor cannot listen.
     */
    public static Lnet start(final NodeConfig config) throws NativeIoException
    {
        return start(config, DEFAULT_EVENT_QUEUE_CAPACITY);
    }

    /**
     * Start a node with the LNet layer above it.
     *
     * @param config             the node's settings, concluded first ({@link NodeConfig#conclude()}).
     * @param eventQueueCapacity bytes of the default event queue (a power of two).
     * @return the running LNet instance.
     * @throws NativeIoException        if the acceptor cannot listen.
     * @throws IllegalArgumentException if the settings conflict, before anything is opened.
     */
    public static Lnet start(final NodeConfig config, final int eventQueueCapacity) throws NativeIoException
    {
        final NodeConfig concluded = config.conclude();
        final Lnet lnet = new Lnet(concluded, eventQueueCapacity);
        lnet.node = Node.start(concluded, lnet.receiver);
        return lnet;
    }

    /**
     * @return this node's NID.
     */
    public long nid()
    {
        return nid;
    }

    /**
     * @return this node's PID.
     */
    public int pid()
    {
        return pid;
    }

    /**
     * @return the node underneath, for its counters and connections; do not send or poll completions through it
     * directly: its completions belong to this layer.
     */
    public Node node()
    {
        return node;
    }

    /**
     * @return the queue events go to unless a descriptor names another.
     */
    public EventQueue events()
    {
        return defaultQueue;
    }

    /**
     * Create a free-floating descriptor to PUT from or GET into ({@code LNetMDBind}).
     *
     * @param md the description (copied).
     * @return the descriptor's handle.
     * @throws IllegalStateException if {@link #MAX_MEMORY_DESCRIPTORS} are alive, or the IO agent has taken no
     *                               command for seconds.
     */
    public long bind(final MemoryDescriptor md)
    {
        final LibMd d = claimSlot();
        fill(d, md);
        d.portal = -1;
        d.matchNid = LNET_NID_ANY;
        d.matchPid = LNET_PID_ANY;
        d.matchBits = 0;
        d.ignoreBits = 0;
        return handOver(CMD_BIND, d);
    }

    /**
     * Append a match entry to a portal with a descriptor attached ({@code LNetMEAttach} + {@code LNetMDAttach}).
     * An incoming PUT or GET on the portal takes the first entry, in order, whose source filter and match bits
     * accept it and whose descriptor allows the operation. The entry goes with its descriptor: after one operation
     * for {@link MemoryDescriptor#useOnce()}, never by itself for {@link MemoryDescriptor#persistent()}. The entry
     * matches from when the IO agent takes the command, in the order of the calls.
     *
     * @param portal     portal index, 0 to {@link #MAX_PORTALS} - 1.
     * @param matchNid   accept only this source NID, or {@code LNET_NID_ANY}.
     * @param matchPid   accept only this source PID, or {@code LNET_PID_ANY}.
     * @param matchBits  bits an incoming message's match bits must equal...
     * @param ignoreBits ...except where these bits are set.
     * @param md         the description (copied).
     * @return the descriptor's handle.
     * @throws IllegalStateException as {@link #bind}.
     */
    public long attach(
        final int portal, final long matchNid, final int matchPid, final long matchBits, final long ignoreBits,
        final MemoryDescriptor md)
    {
        if (portal < 0 || portal >= MAX_PORTALS)
        {
            throw new IllegalArgumentException("bad portal: portal=" + portal);
        }
        final LibMd d = claimSlot();
        fill(d, md);
        d.portal = portal;
        d.matchNid = matchNid;
        d.matchPid = matchPid;
        d.matchBits = matchBits;
        d.ignoreBits = ignoreBits;
        return handOver(CMD_ATTACH, d);
    }

    /**
     * Unlink a descriptor ({@code LNetMDUnlink}): it matches nothing more; with no operation in flight it goes with
     * an UNLINK event, else the event of its last operation says {@code unlinked}.
     *
     * @param mdHandle the handle.
     * @return 0, {@code -ENOENT} for a stale handle, or {@code -EAGAIN} if the command ring stays full.
     */
    public int unlink(final long mdHandle)
    {
        final LibMd md = published(mdHandle);
        if (null == md)
        {
            return -Errno.ENOENT;
        }
        // Take the handle before the command goes: the IO agent may run the command (and free the slot) before
        // this thread runs again. Exhausted meanwhile, the descriptor is the IO agent's to unlink: ENOENT.
        if (!PUBLISHED_HANDLE.compareAndSet(md, mdHandle, UNLINK_PENDING))
        {
            return -Errno.ENOENT;
        }
        final UnsafeBuffer record = commandScratch.get();
        record.putLong(CMD_HANDLE_OFFSET, mdHandle);
        if (!offerCommand(CMD_UNLINK, record))
        {
            return PUBLISHED_HANDLE.compareAndSet(md, UNLINK_PENDING, mdHandle) ? -Errno.EAGAIN : -Errno.ENOENT;
        }
        return 0;
    }

    /**
     * PUT a whole descriptor to a peer ({@code LNetPut}). A SEND event follows when it has gone; with
     * {@code ack}, an ACK event when the target accepted it.
     *
     * @param mdHandle     the source descriptor.
     * @param ack          whether to ask for an ACK.
     * @param targetNid    the peer's NID.
     * @param targetPid    the peer's PID ({@code LNET_PID_LUSTRE} for kernel nodes).
     * @param portal       the target portal.
     * @param matchBits    match bits.
     * @param remoteOffset offset in the target descriptor (used when it manages remote offsets).
     * @param hdrData      64 bits of user data delivered with the PUT event.
     * @return 0 or a negative errno.
     */
    public int put(
        final long mdHandle, final boolean ack, final long targetNid, final int targetPid, final int portal,
        final long matchBits, final int remoteOffset, final long hdrData)
    {
        final int rc = checkInitiator(mdHandle, portal);
        if (rc != 0)
        {
            return rc;
        }
        final UnsafeBuffer record = commandScratch.get();
        record.putLong(CMD_HANDLE_OFFSET, mdHandle);
        record.putLong(CMD_TARGET_NID_OFFSET, targetNid);
        record.putLong(CMD_MATCH_BITS_OFFSET, matchBits);
        record.putLong(CMD_HDR_DATA_OFFSET, hdrData);
        record.putInt(CMD_TARGET_PID_OFFSET, targetPid);
        record.putInt(CMD_PORTAL_OFFSET, portal);
        record.putInt(CMD_REMOTE_OFFSET_OFFSET, remoteOffset);
        record.putInt(CMD_ACK_OFFSET, ack ? 1 : 0);
        return commands.write(CMD_PUT, record, 0, CMD_LENGTH) ? 0 : -Errno.EAGAIN;
    }

    /**
     * GET from a peer into a whole descriptor ({@code LNetGet}). A SEND event follows when the request has gone,
     * a REPLY event when the data arrived ({@code mlength} bytes at offset 0).
     *
     * @param mdHandle     the sink descriptor; its length is the most bytes asked for ({@code sink_length}).
     * @param targetNid    the peer's NID.
     * @param targetPid    the peer's PID.
     * @param portal       the target portal.
     * @param matchBits    match bits.
     * @param remoteOffset offset in the target descriptor (used when it manages remote offsets).
     * @return 0 or a negative errno.
     */
    public int get(
        final long mdHandle, final long targetNid, final int targetPid, final int portal, final long matchBits,
        final int remoteOffset)
    {
        final int rc = checkInitiator(mdHandle, portal);
        if (rc != 0)
        {
            return rc;
        }
        final UnsafeBuffer record = commandScratch.get();
        record.putLong(CMD_HANDLE_OFFSET, mdHandle);
        record.putLong(CMD_TARGET_NID_OFFSET, targetNid);
        record.putLong(CMD_MATCH_BITS_OFFSET, matchBits);
        record.putLong(CMD_HDR_DATA_OFFSET, 0);
        record.putInt(CMD_TARGET_PID_OFFSET, targetPid);
        record.putInt(CMD_PORTAL_OFFSET, portal);
        record.putInt(CMD_REMOTE_OFFSET_OFFSET, remoteOffset);
        record.putInt(CMD_ACK_OFFSET, 0);
        return commands.write(CMD_GET, record, 0, CMD_LENGTH) ? 0 : -Errno.EAGAIN;
    }

    /**
     * Deliver events of the default queue {@link #events()} on the calling thread (one poller at a time).
     *
     * @param handler told of each event.
     * @param limit   most events to deliver.
     * @return events delivered.
     */
    public int poll(final EventHandler handler, final int limit)
    {
        return defaultQueue.poll(handler, limit);
    }

    /**
     * Nothing to do: the IO agent turns send completions into events and retries held-back sends on its own
     * thread in every duty cycle. Kept for callers written when this ran on the application thread.
     *
     * @return 0.
     */
    public int progress()
    {
        return 0;
    }

    /**
     * One duty cycle of the node, including this layer's commands and completions (invoker mode only).
     *
     * @return work done.
     */
    public int doWork()
    {
        return node.doWork();
    }

    /**
     * Ping a peer: GET its ping info from portal 0 with match bits {@code LNET_PROTO_PING_MATCHBITS}, as
     * {@code lnetctl ping} does, and wait for the REPLY. Drives the node itself in invoker mode. Allocates; not
     * for the steady path.
     *
     * @param targetNid the peer's NID.
     * @param targetPid the peer's PID ({@code LNET_PID_LUSTRE} for kernel nodes).
     * @param timeout   how long to wait.
     * @param unit      its unit.
     * @return the peer's interfaces and the round-trip time.
     * @throws TimeoutException if no reply came in time.
     * @throws IOException      if the GET could not be sent or the reply is not a valid ping info.
     */
    public PingResult ping(final long targetNid, final int targetPid, final long timeout, final TimeUnit unit)
        throws TimeoutException, IOException
    {
        final EventQueue queue = new EventQueue(4096);
        final UnsafeBuffer sink = new UnsafeBuffer(ByteBuffer.allocateDirect(PING_REPLY_CAPACITY));
        final long handle = bind(new MemoryDescriptor().memory(sink, 0, sink.capacity())
            .options(MemoryDescriptor.TRUNCATE).threshold(2).eventQueue(queue));
        final long deadlineNs = System.nanoTime() + unit.toNanos(timeout);
        final long[] outcome = {Long.MIN_VALUE, Long.MIN_VALUE, 0};
        final EventHandler handler = event ->
        {
            if (event.type() == LnetEventType.REPLY)
            {
                outcome[0] = event.status();
                outcome[1] = event.mlength();
                outcome[2] = System.nanoTime();
            }
            else if (event.type() == LnetEventType.SEND && event.status() != 0)
            {
                outcome[0] = event.status();
                outcome[2] = System.nanoTime();
            }
        };
        try
        {
            final long startNs = System.nanoTime();
            int rc;
            while ((rc = get(handle, targetNid, targetPid, LNET_RESERVED_PORTAL, LNET_PROTO_PING_MATCHBITS, 0)) ==
                -Errno.EAGAIN && System.nanoTime() - deadlineNs < 0)
            {
                idle();
            }
            if (rc != 0)
            {
                throw new IOException("ping not sent: nid=" + Nid.toString(targetNid) + " rc=" + rc);
            }
            while (outcome[0] == Long.MIN_VALUE && System.nanoTime() - deadlineNs < 0)
            {
                idle();
                queue.poll(handler, 16);
            }
            if (outcome[0] == Long.MIN_VALUE)
            {
                throw new TimeoutException("ping timed out: nid=" + Nid.toString(targetNid) + " timeout_ms=" +
                    unit.toMillis(timeout));
            }
            if (outcome[0] != 0)
            {
                throw new IOException("ping failed: nid=" + Nid.toString(targetNid) + " status=" + outcome[0]);
            }
            try
            {
                final PingInfo info = PingInfo.decode(sink, 0, (int)outcome[1], MAX_PING_INTERFACES);
                return new PingResult(targetNid, info, outcome[2] - startNs);
            }
            catch (final ProtocolException ex)
            {
                throw new IOException("bad ping reply: nid=" + Nid.toString(targetNid) + " " + ex.getMessage(), ex);
            }
        }
        finally
        {
            unlink(handle);
        }
    }

    private void idle()
    {
        if (invoker)
        {
            doWork();
        }
        else
        {
            LockSupport.parkNanos(20_000);
        }
    }

    /**
     * Counters of the node and of this layer ({@code lnet puts_in}, {@code lnet drop_no_match}, ...), readable
     * while it runs.
     *
     * @return label to value.
     */
    public Map<String, Long> counters()
    {
        final Node n = node;
        final Map<String, Long> all = null == n ? new LinkedHashMap<>() : new LinkedHashMap<>(n.counters());
        for (int i = 0; i < COUNTER_NAMES.length; i++)
        {
            all.put("lnet " + COUNTER_NAMES[i], counters.get(i));
        }
        all.put("lnet events_dropped", defaultQueue.dropped());
        return all;
    }

    /**
     * @param name a counter of this layer without the {@code lnet } prefix, e.g. {@code drop_no_match}.
     * @return its value.
     */
    public long counter(final String name)
    {
        for (int i = 0; i < COUNTER_NAMES.length; i++)
        {
            if (COUNTER_NAMES[i].equals(name))
            {
                return counters.get(i);
            }
        }
        throw new IllegalArgumentException("unknown counter: name=" + name);
    }

    /**
     * Stop the node.
     */
    public void close()
    {
        final Node n = node;
        if (null != n)
        {
            n.close();
        }
    }

    private int checkInitiator(final long mdHandle, final int portal)
    {
        final LibMd md = published(mdHandle);
        if (null == md)
        {
            return -Errno.ENOENT;
        }
        if (portal < 0 || portal >= MAX_PORTALS)
        {
            return -Errno.EINVAL;
        }
        // Written by the binding thread before it published the handle, never changed while it is published.
        if (md.length > LNET_MAX_PAYLOAD)
        {
            return -Errno.EMSGSIZE;
        }
        return 0;
    }

    /**
     * @return the slot of a handle the application may still use, or null.
     */
    private LibMd published(final long handle)
    {
        final LibMd md = slot(handle);
        return null != md && md.publishedHandle == handle ? md : null;
    }

    private LibMd slot(final long handle)
    {
        final long index = handle & INDEX_MASK;
        if (handle <= 0 || index >= MAX_MEMORY_DESCRIPTORS)
        {
            return null;
        }
        return slots.get((int)index);
    }

    /**
     * Take a free descriptor slot for the calling thread to fill; it belongs to the IO agent from the command on.
     */
    private LibMd claimSlot()
    {
        final LibMd free = freeSlots.poll();
        if (null != free)
        {
            return free;
        }
        int index;
        do
        {
            index = slotsCreated.get();
            if (index >= MAX_MEMORY_DESCRIPTORS)
            {
                throw new IllegalStateException("too many memory descriptors: max=" + MAX_MEMORY_DESCRIPTORS);
            }
        }
        while (!slotsCreated.compareAndSet(index, index + 1));
        final LibMd md = new LibMd(index);
        slots.set(index, md);
        return md;
    }

    private void fill(final LibMd d, final MemoryDescriptor spec)
    {
        d.address = spec.address;
        d.length = spec.length;
        d.owner = spec.memoryOwner;
        d.options = spec.options;
        d.threshold = spec.threshold;
        d.userPtr = spec.userPtr;
        d.queue = spec.useDefaultQueue ? defaultQueue : spec.eventQueue;
    }

    /**
     * Publish a filled slot under a new handle and hand it to the IO agent.
     */
    private long handOver(final int command, final LibMd d)
    {
        final long handle = (generations.incrementAndGet() << INDEX_BITS) | d.index;
        d.publishedHandle = handle;
        final UnsafeBuffer record = commandScratch.get();
        record.putLong(CMD_HANDLE_OFFSET, handle);
        if (!offerCommand(command, record))
        {
            d.publishedHandle = STALE_HANDLE;
            d.owner = null;
            d.queue = null;
            freeSlots.offer(d);
            throw new IllegalStateException("lnet command ring full: capacity=" + COMMAND_RING_CAPACITY);
        }
        return handle;
    }

    /**
     * Write a command the caller cannot drop, waiting for room while the IO agent drains the ring (driving the
     * node itself in invoker mode) for at most {@link #COMMAND_RING_WAIT_NS}.
     */
    private boolean offerCommand(final int command, final UnsafeBuffer record)
    {
        if (commands.write(command, record, 0, CMD_LENGTH))
        {
            return true;
        }
        final long deadlineNs = System.nanoTime() + COMMAND_RING_WAIT_NS;
        while (System.nanoTime() - deadlineNs < 0)
        {
            final Node n = node;
            if (invoker && null != n)
            {
                n.doWork();
            }
            else
            {
                LockSupport.parkNanos(10_000);
            }
            if (commands.write(command, record, 0, CMD_LENGTH))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The IO agent's duty: retry held-back sends, take the application's commands, turn completions into events.
     */
    private int onDutyCycle()
    {
        final Node n = node;
        if (null == n)
        {
            return 0;
        }
        int work = 0;
        for (int i = deferred.size(); i > 0; i--)
        {
            final Op op = deferred.pollFirst();
            if (!submit(n, op))
            {
                deferred.addFirst(op);
                break;
            }
            work++;
        }
        work += commands.read(commandHandler, COMMANDS_PER_CYCLE);
        work += n.pollCompletions(completionHandler, COMPLETIONS_PER_CYCLE);
        return work;
    }

    private void onCommand(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final long handle = buffer.getLong(index + CMD_HANDLE_OFFSET);
        switch (type)
        {
            case CMD_BIND:
            case CMD_ATTACH:
                activate(slot(handle), handle, type == CMD_ATTACH);
                break;
            case CMD_UNLINK:
                onUnlinkCommand(handle);
                break;
            default:
                onInitiateCommand(type, handle, buffer, index);
                break;
        }
    }

    private void activate(final LibMd md, final long handle, final boolean attach)
    {
        md.handle = handle;
        md.live = true;
        md.unlinking = false;
        md.localOffset = 0;
        md.refs = 0;
        md.lastPortal = -1;
        md.prev = null;
        md.next = null;
        if (attach)
        {
            final int portal = md.portal;
            md.prev = portalTails[portal];
            if (null == md.prev)
            {
                portalHeads[portal] = md;
            }
            else
            {
                md.prev.next = md;
            }
            portalTails[portal] = md;
        }
    }

    private void onUnlinkCommand(final long handle)
    {
        final LibMd md = lookup(handle);
        if (null == md)
        {
            return;
        }
        startUnlink(md);
        if (md.refs == 0)
        {
            emit(md, LnetEventType.UNLINK, 0, true, md.matchBits, 0, nid, pid, nid, pid, md.portal, 0, 0, 0);
            free(md);
        }
    }

    private void onInitiateCommand(final int type, final long handle, final MutableDirectBuffer buffer, final int index)
    {
        final LibMd md = lookup(handle);
        if (null == md || md.threshold == 0)
        {
            counters.incrementAndGet(COMMANDS_STALE);
            return;
        }
        final long targetNid = buffer.getLong(index + CMD_TARGET_NID_OFFSET);
        final long matchBits = buffer.getLong(index + CMD_MATCH_BITS_OFFSET);
        final long hdrData = buffer.getLong(index + CMD_HDR_DATA_OFFSET);
        final int targetPid = buffer.getInt(index + CMD_TARGET_PID_OFFSET);
        final int portal = buffer.getInt(index + CMD_PORTAL_OFFSET);
        final int remoteOffset = buffer.getInt(index + CMD_REMOTE_OFFSET_OFFSET);
        final Op op;
        if (type == CMD_PUT)
        {
            final boolean ack = buffer.getInt(index + CMD_ACK_OFFSET) != 0;
            op = newOp(OP_PUT_SEND, md, targetNid, targetPid, portal, matchBits, hdrData, md.length, md.length,
                remoteOffset);
            headerEncoder.wrapForEncode(op.header, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_PUT)
                .destNid(targetNid).srcNid(nid).destPid(targetPid).srcPid(pid).payloadLength(md.length)
                .wmdInterfaceCookie(ack ? interfaceCookie : LNET_WIRE_HANDLE_COOKIE_NONE)
                .wmdObjectCookie(ack ? md.handle : LNET_WIRE_HANDLE_COOKIE_NONE)
                .matchBits(matchBits).putHdrData(hdrData).putPtlIndex(portal).putOffset(remoteOffset);
            op.payloadAddress = md.address;
            op.payloadLength = md.length;
            counters.incrementAndGet(PUTS_OUT);
        }
        else
        {
            op = newOp(OP_GET_SEND, md, targetNid, targetPid, portal, matchBits, 0, md.length, md.length,
                remoteOffset);
            headerEncoder.wrapForEncode(op.header, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_GET)
                .destNid(targetNid).srcNid(nid).destPid(targetPid).srcPid(pid).payloadLength(0)
                .wmdInterfaceCookie(interfaceCookie).wmdObjectCookie(md.handle)
                .matchBits(matchBits).getPtlIndex(portal).getSrcOffset(remoteOffset).getSinkLength(md.length);
            counters.incrementAndGet(GETS_OUT);
        }
        md.refs++;
        md.lastPortal = portal;
        consume(md);
        submitOrDefer(op);
    }

    private boolean submit(final Node n, final Op op)
    {
        return n.send(op.peerNid, op.peerPid, op.header, 0, op.payloadAddress, op.payloadLength, op.index);
    }

    private void submitOrDefer(final Op op)
    {
        final Node n = node;
        if (!deferred.isEmpty() || null == n || !submit(n, op))
        {
            deferred.addLast(op);
            counters.incrementAndGet(SENDS_DEFERRED);
        }
    }

    private void onCompletion(final long correlationId, final int status)
    {
        final Op op = ops[(int)correlationId];
        if (status != 0)
        {
            counters.incrementAndGet(SENDS_FAILED);
        }
        final LibMd md = op.md;
        if (null != md)
        {
            md.refs--;
            final boolean unlinked = md.unlinking && md.refs == 0;
            if (op.kind == OP_REPLY_SEND)
            {
                emit(md, LnetEventType.GET, status, unlinked, op.matchBits, 0, op.peerNid, op.peerPid, nid, pid,
                    op.portal, op.mlength, op.rlength, op.offset);
            }
            else
            {
                emit(md, LnetEventType.SEND, status, unlinked, op.matchBits, op.hdrData, nid, pid, op.peerNid,
                    op.peerPid, op.portal, op.mlength, op.rlength, op.offset);
            }
            if (unlinked)
            {
                free(md);
            }
        }
        freeOp(op);
    }

    private int match(
        final int portal, final int operation, final long srcNid, final int srcPid, final long bits,
        final int rlength, final int remoteOffset)
    {
        for (LibMd md = portalHeads[portal]; null != md; md = md.next)
        {
            if (md.threshold == 0 || (md.options & operation) == 0 ||
                (md.matchNid != LNET_NID_ANY && md.matchNid != srcNid) ||
                (md.matchPid != LNET_PID_ANY && md.matchPid != srcPid) ||
                ((md.matchBits ^ bits) & ~md.ignoreBits) != 0)
            {
                continue;
            }
            final int offset = (md.options & MemoryDescriptor.MANAGE_REMOTE) != 0 ? remoteOffset : md.localOffset;
            final int room = offset < 0 || offset > md.length ? 0 : md.length - offset;
            final int mlength;
            if (Integer.compareUnsigned(rlength, room) <= 0)
            {
                mlength = rlength;
            }
            else if ((md.options & MemoryDescriptor.TRUNCATE) != 0)
            {
                mlength = room;
            }
            else
            {
                return MATCH_DROP;
            }
            md.localOffset = offset + mlength;
            matchedMd = md;
            matchedOffset = offset;
            matchedLength = mlength;
            return MATCH_OK;
        }
        return MATCH_NONE;
    }

    private boolean checkMatch(final int rc)
    {
        if (rc == MATCH_OK)
        {
            return true;
        }
        counters.incrementAndGet(rc == MATCH_DROP ? DROP_TOO_LONG : DROP_NO_MATCH);
        return false;
    }

    private void consume(final LibMd md)
    {
        if (md.threshold > 0 && --md.threshold == 0)
        {
            startUnlink(md);
        }
    }

    private void startUnlink(final LibMd md)
    {
        md.unlinking = true;
        md.publishedHandle = STALE_HANDLE;
        if (md.portal >= 0)
        {
            if (null == md.prev)
            {
                portalHeads[md.portal] = md.next;
            }
            else
            {
                md.prev.next = md.next;
            }
            if (null == md.next)
            {
                portalTails[md.portal] = md.prev;
            }
            else
            {
                md.next.prev = md.prev;
            }
            md.prev = null;
            md.next = null;
        }
    }

    /**
     * @return the live descriptor of a handle (IO agent thread), or null once it is unlinking or gone.
     */
    private LibMd lookup(final long handle)
    {
        final LibMd md = slot(handle);
        return null != md && md.live && md.handle == handle && !md.unlinking ? md : null;
    }

    private LibMd lookupWire(final long interfaceCookie, final long objectCookie)
    {
        return interfaceCookie == this.interfaceCookie ? lookup(objectCookie) : null;
    }

    /**
     * Release a descriptor whose last operation is done: its slot goes back to the application threads.
     */
    private void free(final LibMd md)
    {
        if (!md.unlinking)
        {
            startUnlink(md);
        }
        md.live = false;
        md.owner = null;
        md.queue = null;
        freeSlots.offer(md);
    }

    private Op newOp(
        final int kind, final LibMd md, final long peerNid, final int peerPid, final int portal, final long matchBits,
        final long hdrData, final int rlength, final int mlength, final int offset)
    {
        final Op op;
        if (freeOpCount > 0)
        {
            op = ops[freeOps[--freeOpCount]];
        }
        else
        {
            if (opCount == ops.length)
            {
                ops = Arrays.copyOf(ops, opCount * 2);
                freeOps = Arrays.copyOf(freeOps, opCount * 2);
            }
            op = new Op(opCount);
            ops[opCount++] = op;
        }
        op.kind = kind;
        op.md = md;
        op.peerNid = peerNid;
        op.peerPid = peerPid;
        op.portal = portal;
        op.matchBits = matchBits;
        op.hdrData = hdrData;
        op.rlength = rlength;
        op.mlength = mlength;
        op.offset = offset;
        op.payloadAddress = 0;
        op.payloadLength = 0;
        return op;
    }

    private void freeOp(final Op op)
    {
        op.md = null;
        freeOps[freeOpCount++] = op.index;
    }

    private void emit(
        final LibMd md, final LnetEventType type, final int status, final boolean unlinked, final long matchBits,
        final long hdrData, final long initiatorNid, final int initiatorPid, final long targetNid, final int targetPid, final int portal,
        final int mlength, final int rlength, final int offset)
    {
        final EventQueue queue = md.queue;
        if (null == queue)
        {
            return;
        }
        final UnsafeBuffer e = eventScratch;
        e.putLong(LnetEvent.MD_HANDLE_OFFSET, md.handle);
        e.putLong(LnetEvent.USER_PTR_OFFSET, md.userPtr);
        e.putLong(LnetEvent.MATCH_BITS_OFFSET, matchBits);
        e.putLong(LnetEvent.HDR_DATA_OFFSET, hdrData);
        e.putLong(LnetEvent.INITIATOR_NID_OFFSET, initiatorNid);
        e.putLong(LnetEvent.TARGET_NID_OFFSET, targetNid);
        e.putInt(LnetEvent.TYPE_OFFSET, type.ordinal());
        e.putInt(LnetEvent.STATUS_OFFSET, status);
        e.putInt(LnetEvent.UNLINKED_OFFSET, unlinked ? 1 : 0);
        e.putInt(LnetEvent.PORTAL_OFFSET, portal);
        e.putInt(LnetEvent.MLENGTH_OFFSET, mlength);
        e.putInt(LnetEvent.RLENGTH_OFFSET, rlength);
        e.putInt(LnetEvent.OFFSET_OFFSET, offset);
        e.putInt(LnetEvent.INITIATOR_PID_OFFSET, initiatorPid);
        e.putInt(LnetEvent.TARGET_PID_OFFSET, targetPid);
        e.putInt(LnetEvent.RESERVED_OFFSET, 0);
        queue.offer(e);
    }

    /**
     * The IO agent's view: matching and payload placement. Runs on the IO agent thread.
     */
    private final class Receiver implements MessageHandler
    {
        private final Long2ObjectHashMap<RxPending> pending = new Long2ObjectHashMap<>();
        private final ArrayDeque<RxPending> pool = new ArrayDeque<>(64);

        public void onHeader(
            final long connectionId, final long srcNid, final LnetHeaderFlyweight header, final RxDecision decision)
        {
            decision.drop();
            if (header.destNid() != nid)
            {
                counters.incrementAndGet(DROP_WRONG_NID);
                return;
            }
            switch (header.type())
            {
                case LNET_MSG_PUT:
                    onPut(connectionId, header, decision);
                    break;
                case LNET_MSG_GET:
                    onGet(header);
                    break;
                case LNET_MSG_ACK:
                    onAck(header);
                    break;
                case LNET_MSG_REPLY:
                    onReply(connectionId, header, decision);
                    break;
                default:
                    break;
            }
        }

        public int onDutyCycle()
        {
            return Lnet.this.onDutyCycle();
        }

        private void onPut(final long connectionId, final LnetHeaderFlyweight header, final RxDecision decision)
        {
            counters.incrementAndGet(PUTS_IN);
            final int portal = header.putPtlIndex();
            if (portal < 0 || portal >= MAX_PORTALS)
            {
                counters.incrementAndGet(DROP_BAD_PORTAL);
                return;
            }
            final int rlength = header.payloadLength();
            if (!checkMatch(match(portal, MemoryDescriptor.OP_PUT, header.srcNid(), header.srcPid(),
                header.matchBits(), rlength, header.putOffset())))
            {
                return;
            }
            final LibMd md = matchedMd;
            md.refs++;
            consume(md);
            final RxPending p = obtain();
            p.kind = LNET_MSG_PUT;
            p.md = md;
            p.srcNid = header.srcNid();
            p.srcPid = header.srcPid();
            p.portal = portal;
            p.matchBits = header.matchBits();
            p.hdrData = header.putHdrData();
            p.rlength = rlength;
            p.mlength = matchedLength;
            p.offset = matchedOffset;
            p.ackInterfaceCookie = header.wmdInterfaceCookie();
            p.ackObjectCookie = header.wmdObjectCookie();
            p.ack = (md.options & MemoryDescriptor.ACK_DISABLE) == 0 &&
                !(p.ackInterfaceCookie == LNET_WIRE_HANDLE_COOKIE_NONE &&
                p.ackObjectCookie == LNET_WIRE_HANDLE_COOKIE_NONE);
            pending.put(connectionId, p);
            if (matchedLength > 0)
            {
                decision.deliverTo(md.address + matchedOffset, matchedLength);
            }
        }

        private void onGet(final LnetHeaderFlyweight header)
        {
            counters.incrementAndGet(GETS_IN);
            final int portal = header.getPtlIndex();
            if (portal < 0 || portal >= MAX_PORTALS)
            {
                counters.incrementAndGet(DROP_BAD_PORTAL);
                return;
            }
            final long srcNid = header.srcNid();
            final int srcPid = header.srcPid();
            final long bits = header.matchBits();
            final int rlength = header.getSinkLength();
            if (!checkMatch(match(portal, MemoryDescriptor.OP_GET, srcNid, srcPid, bits, rlength,
                header.getSrcOffset())))
            {
                return;
            }
            final LibMd md = matchedMd;
            md.refs++;
            consume(md);
            if (portal == LNET_RESERVED_PORTAL && bits == LNET_PROTO_PING_MATCHBITS)
            {
                counters.incrementAndGet(PINGS_ANSWERED);
            }
            final Op op = newOp(OP_REPLY_SEND, md, srcNid, srcPid, portal, bits, 0, rlength, matchedLength,
                matchedOffset);
            final long returnInterface = header.wmdInterfaceCookie();
            final long returnObject = header.wmdObjectCookie();
            headerEncoder.wrapForEncode(op.header, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_REPLY)
                .destNid(srcNid).srcNid(nid).destPid(srcPid).srcPid(pid).payloadLength(matchedLength)
                .wmdInterfaceCookie(returnInterface).wmdObjectCookie(returnObject);
            op.payloadAddress = matchedLength > 0 ? md.address + matchedOffset : 0;
            op.payloadLength = matchedLength;
            counters.incrementAndGet(REPLIES_OUT);
            submitOrDefer(op);
        }

        private void onAck(final LnetHeaderFlyweight header)
        {
            counters.incrementAndGet(ACKS_IN);
            final LibMd md = lookupWire(header.wmdInterfaceCookie(), header.wmdObjectCookie());
            if (null == md || md.threshold == 0)
            {
                counters.incrementAndGet(DROP_BAD_HANDLE);
                return;
            }
            consume(md);
            final boolean unlinked = md.unlinking && md.refs == 0;
            final int mlength = header.ackMlength();
            emit(md, LnetEventType.ACK, 0, unlinked, header.matchBits(), 0, header.srcNid(), header.srcPid(), nid, pid,
                md.lastPortal, mlength, mlength, 0);
            if (unlinked)
            {
                free(md);
            }
        }

        private void onReply(final long connectionId, final LnetHeaderFlyweight header, final RxDecision decision)
        {
            counters.incrementAndGet(REPLIES_IN);
            final LibMd md = lookupWire(header.wmdInterfaceCookie(), header.wmdObjectCookie());
            if (null == md || md.threshold == 0)
            {
                counters.incrementAndGet(DROP_BAD_HANDLE);
                return;
            }
            final int rlength = header.payloadLength();
            final int mlength;
            if (rlength <= md.length)
            {
                mlength = rlength;
            }
            else if ((md.options & MemoryDescriptor.TRUNCATE) != 0)
            {
                mlength = md.length;
            }
            else
            {
                counters.incrementAndGet(DROP_TOO_LONG);
                return;
            }
            md.refs++;
            consume(md);
            final RxPending p = obtain();
            p.kind = LNET_MSG_REPLY;
            p.md = md;
            p.srcNid = header.srcNid();
            p.srcPid = header.srcPid();
            p.portal = md.lastPortal;
            p.matchBits = 0;
            p.hdrData = 0;
            p.rlength = rlength;
            p.mlength = mlength;
            p.offset = 0;
            p.ack = false;
            pending.put(connectionId, p);
            if (mlength > 0)
            {
                decision.deliverTo(md.address, mlength);
            }
        }

        public void onPayload(final long connectionId, final long address, final int receivedLength, final int payloadLength)
        {
            final RxPending p = pending.remove(connectionId);
            if (null == p)
            {
                return;
            }
            final int status = receivedLength == p.mlength ? 0 : -Errno.EIO;
            finish(p, status, receivedLength);
            if (p.kind == LNET_MSG_PUT && p.ack)
            {
                sendAck(p, receivedLength);
            }
            release(p);
        }

        /**
         * The connection died inside the payload: the operation fails with {@code -EIO}, as the kernel completes a
         * partial receive ({@code ksocknal_destroy_conn}), with the matched length as {@code mlength}, and no ACK.
         */
        public void onReceiveAborted(final long connectionId, final int status)
        {
            final RxPending p = pending.remove(connectionId);
            if (null == p)
            {
                return;
            }
            counters.incrementAndGet(RECEIVES_ABORTED);
            finish(p, -Errno.EIO, p.mlength);
            release(p);
        }

        private void finish(final RxPending p, final int status, final int mlength)
        {
            final LibMd md = p.md;
            md.refs--;
            final boolean unlinked = md.unlinking && md.refs == 0;
            if (p.kind == LNET_MSG_PUT)
            {
                emit(md, LnetEventType.PUT, status, unlinked, p.matchBits, p.hdrData, p.srcNid, p.srcPid, nid, pid,
                    p.portal, mlength, p.rlength, p.offset);
            }
            else
            {
                emit(md, LnetEventType.REPLY, status, unlinked, p.matchBits, 0, p.srcNid, p.srcPid, nid, pid,
                    p.portal, mlength, p.rlength, p.offset);
            }
            if (unlinked)
            {
                free(md);
            }
        }

        private void release(final RxPending p)
        {
            p.md = null;
            pool.addLast(p);
        }

        private void sendAck(final RxPending p, final int mlength)
        {
            final Op op = newOp(OP_ACK_SEND, null, p.srcNid, p.srcPid, p.portal, p.matchBits, 0, 0, 0, 0);
            headerEncoder.wrapForEncode(op.header, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_ACK)
                .destNid(p.srcNid).srcNid(nid).destPid(p.srcPid).srcPid(pid).payloadLength(0)
                .wmdInterfaceCookie(p.ackInterfaceCookie).wmdObjectCookie(p.ackObjectCookie)
                .matchBits(p.matchBits).ackMlength(mlength);
            counters.incrementAndGet(ACKS_OUT);
            submitOrDefer(op);
        }

        private RxPending obtain()
        {
            final RxPending p = pool.pollFirst();
            return null == p ? new RxPending() : p;
        }
    }

    /**
     * A memory descriptor and its match entry ({@code struct lnet_libmd} + {@code struct lnet_me}). The
     * description fields are written by the application thread that claimed the slot, before its command; from
     * the command until the slot is freed every field but {@link #publishedHandle} belongs to the IO agent, which
     * alone ever writes {@link #handle}, {@link #live} and {@link #unlinking}.
     */
    private static final class LibMd
    {
        final int index;
        long handle;
        boolean live;
        boolean unlinking;
        long address;
        int length;
        Object owner;
        int options;
        int threshold;
        long userPtr;
        EventQueue queue;
        int localOffset;
        int refs;
        int portal = -1;
        /** Portal of the latest PUT or GET this descriptor initiated, reported with its ACK or REPLY. */
        int lastPortal = -1;
        /** The handle the application may use, or 0: written by the binding thread and the IO agent. */
        volatile long publishedHandle;
        long matchNid;
        int matchPid;
        long matchBits;
        long ignoreBits;
        LibMd prev;
        LibMd next;

        LibMd(final int index)
        {
            this.index = index;
        }
    }

    /**
     * A send in flight, found again by its correlation id (its index).
     */
    private static final class Op
    {
        final int index;
        final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(LnetHeaderFlyweight.LENGTH));
        int kind;
        LibMd md;
        long peerNid;
        int peerPid;
        int portal;
        long matchBits;
        long hdrData;
        int rlength;
        int mlength;
        int offset;
        long payloadAddress;
        int payloadLength;

        Op(final int index)
        {
            this.index = index;
        }
    }

    /**
     * A matched PUT or REPLY whose payload is being received.
     */
    private static final class RxPending
    {
        int kind;
        LibMd md;
        long srcNid;
        int srcPid;
        int portal;
        long matchBits;
        long hdrData;
        int rlength;
        int mlength;
        int offset;
        long ackInterfaceCookie;
        long ackObjectCookie;
        boolean ack;
    }
}
