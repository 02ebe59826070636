package io.jsocklnd.lnet;

import io.jsocklnd.lnd.Node;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeIoException;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.jsocklnd.wire.WireConstants.LNET_MAX_PAYLOAD;
import static io.jsocklnd.wire.WireConstants.LNET_NID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PING_FEAT_NI_STATUS;
import static io.jsocklnd.wire.WireConstants.LNET_PING_FEAT_RTE_DISABLED;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_PING_MATCHBITS;
import static io.jsocklnd.wire.WireConstants.LNET_RESERVED_PORTAL;

/**
 * The LNet layer over a {@link Node}: portals with match entries, memory descriptors with wire handles, PUT
 * (with or without ACK), GET and REPLY, events in an {@link EventQueue}, and the ping target on portal 0 that
 * kernel {@code lnetctl ping} and discovery query ({@code lnet/lnet/lib-move.c}, {@code lib-md.c},
 * {@code lib-me.c}, {@code lib-ptl.c}, {@code api-ni.c}).
 *
 * <p>Threads: the match lists, the descriptor table, the sends in flight and the receives in progress belong to
 * the node's IO agent thread, which alone reads and writes them, without locks. Application threads hand their
 * calls over: {@link #bind}, {@link #attach}, {@link #unlink}, {@link #put} and {@link #get} write a command
 * record ({@link LnetCommands}) that the IO agent ({@link LnetAgent}) takes at the start of each duty cycle, in
 * whichever threading mode the node runs (in INVOKER mode inside {@link #doWork()}); there it calls the LND
 * directly to send ({@link io.jsocklnd.lnd.LndPort}) and is told of completions directly. A descriptor's slot
 * ({@link MdTable}) is filled by the application thread that binds it and then belongs to the IO agent until it
 * is unlinked and freed. Handles are returned at once; a per-slot published handle, withdrawn by the IO agent
 * when a descriptor stops accepting operations, lets calls with a stale handle fail at once with
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

    private static final int PUSH_BUFFER_CAPACITY = 4096;
    private static final long COMMAND_RING_WAIT_NS = TimeUnit.SECONDS.toNanos(5);

    private final long nid;
    private final int pid;
    private final boolean invoker;
    private final EventQueue defaultQueue;
    private final MdTable table = new MdTable(MAX_MEMORY_DESCRIPTORS);
    private final LnetCommands commands = new LnetCommands(COMMAND_RING_CAPACITY);
    private final LnetAgent agent;
    private final UnsafeBuffer pingTargetBuffer;
    private final UnsafeBuffer pushTargetBuffer;
    private volatile Node node;

    private Lnet(final NodeConfig config, final int eventQueueCapacity)
    {
        nid = config.nid();
        pid = config.pid();
        invoker = config.threadingMode() == NodeConfig.ThreadingMode.INVOKER;
        defaultQueue = new EventQueue(eventQueueCapacity);
        agent = new LnetAgent(nid, pid, config.incarnation(), table, commands, MAX_PORTALS);

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
        lnet.node = Node.start(concluded, lnet.agent, lnet.agent);
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
        final LibMd d = table.claim();
        d.describe(md, defaultQueue);
        d.matchEntry(-1, LNET_NID_ANY, LNET_PID_ANY, 0, 0);
        return handOver(d, false);
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
        final LibMd d = table.claim();
        d.describe(md, defaultQueue);
        d.matchEntry(portal, matchNid, matchPid, matchBits, ignoreBits);
        return handOver(d, true);
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
        final LibMd md = table.published(mdHandle);
        if (null == md || !table.takeForUnlink(md, mdHandle))
        {
            return -Errno.ENOENT;
        }
        if (!commandWritten(LnetCommands.UNLINK, mdHandle))
        {
            return table.restore(md, mdHandle) ? -Errno.EAGAIN : -Errno.ENOENT;
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
        return handedOver(commands.put(mdHandle, targetNid, targetPid, portal, matchBits, remoteOffset, hdrData, ack));
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
        return handedOver(commands.get(mdHandle, targetNid, targetPid, portal, matchBits, remoteOffset));
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
     * After {@link #put} or {@link #get} returned {@code -EAGAIN}: wait, without spinning, until the IO agent has
     * taken commands and one more fits, or the timeout; return at once if one fits now. In invoker mode, drive the
     * node once instead. Then call again: another thread may have taken the room. Allocates nothing.
     *
     * @param timeout longest wait.
     * @param unit    its unit.
     */
    public void awaitCommandRoom(final long timeout, final TimeUnit unit)
    {
        awaitCommandRoomUntil(System.nanoTime() + unit.toNanos(timeout));
    }

    /**
     * Deliver events of the default queue {@link #events()}, waiting up to the timeout for the first if none is
     * queued (one poller at a time): parked until the IO agent writes one
     * ({@link EventQueue#poll(EventHandler, int, long, TimeUnit)}), or in invoker mode driving the node with
     * {@link #doWork()} meanwhile. Allocates nothing.
     *
     * @param handler told of each event.
     * @param limit   most events to deliver.
     * @param timeout longest wait.
     * @param unit    its unit.
     * @return events delivered, 0 if none came in time.
     */
    public int poll(final EventHandler handler, final int limit, final long timeout, final TimeUnit unit)
    {
        return awaitEvents(defaultQueue, handler, limit, System.nanoTime() + unit.toNanos(timeout));
    }

    /**
     * Deliver events of a queue, waiting for the first until the deadline at the most: parked, or in invoker mode
     * driving the node.
     */
    int awaitEvents(final EventQueue queue, final EventHandler handler, final int limit, final long deadlineNs)
    {
        if (!invoker)
        {
            return queue.poll(handler, limit, deadlineNs - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        int delivered = queue.poll(handler, limit);
        while (0 == delivered && System.nanoTime() - deadlineNs < 0)
        {
            node.doWork();
            delivered = queue.poll(handler, limit);
        }
        return delivered;
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
        return new Ping(this).run(targetNid, targetPid, timeout, unit);
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
        for (final String name : LnetCounters.NAMES)
        {
            all.putIfAbsent(LnetCounters.PREFIX + name, 0L);
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
        if (!LnetCounters.exists(name))
        {
            throw new IllegalArgumentException("unknown counter: name=" + name);
        }
        final Node n = node;
        return null == n ? 0 : n.counters().getOrDefault(LnetCounters.PREFIX + name, 0L);
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
        final LibMd md = table.published(mdHandle);
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
     * Publish a described slot under a new handle and hand it to the IO agent.
     */
    private long handOver(final LibMd d, final boolean attach)
    {
        final long handle = table.publish(d);
        if (!commandWritten(attach ? LnetCommands.ATTACH : LnetCommands.BIND, handle))
        {
            table.abandon(d);
            throw new IllegalStateException("lnet command ring full: capacity=" + COMMAND_RING_CAPACITY);
        }
        return handle;
    }

    /**
     * Write a command the caller cannot drop, waiting for room while the IO agent drains the ring (driving the
     * node itself in invoker mode) for at most {@link #COMMAND_RING_WAIT_NS}.
     */
    private boolean commandWritten(final int command, final long handle)
    {
        final long deadlineNs = System.nanoTime() + COMMAND_RING_WAIT_NS;
        while (!commands.writeHandle(command, handle))
        {
            if (System.nanoTime() - deadlineNs >= 0)
            {
                return false;
            }
            awaitCommandRoomUntil(deadlineNs);
        }
        wakeIoAgent();
        return true;
    }

    /**
     * Until the deadline at the most, wait for room in the command ring, or drive the node once in invoker mode.
     */
    void awaitCommandRoomUntil(final long deadlineNs)
    {
        final Node n = node;
        if (invoker && null != n)
        {
            n.doWork();
        }
        else
        {
            commands.awaitRoom(deadlineNs);
        }
    }

    /**
     * @return 0 once a PUT or GET command is in the ring (the IO agent woken if it waits), else {@code -EAGAIN}.
     */
    private int handedOver(final boolean written)
    {
        if (!written)
        {
            return -Errno.EAGAIN;
        }
        wakeIoAgent();
        return 0;
    }

    private void wakeIoAgent()
    {
        final Node n = node;
        if (null != n)
        {
            n.wakeIoAgent();
        }
    }
}
