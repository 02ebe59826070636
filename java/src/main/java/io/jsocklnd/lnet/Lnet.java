package io.jsocklnd.lnet;

import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.node.CompletionHandler;
import io.jsocklnd.node.MessageHandler;
import io.jsocklnd.node.Node;
import io.jsocklnd.node.NodeConfig;
import io.jsocklnd.node.RxDecision;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
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
 * <p>Matching runs on the IO agent thread when a header arrives; the payload is then read straight into the
 * matched descriptor. Events are written to the descriptor's queue without waiting; the application reads them
 * with {@link #poll}, which also turns send completions into SEND and GET events and must be called regularly.
 * Descriptors and match entries are guarded by one short lock (as {@code lnet_res_lock}); nothing on the steady
 * path allocates.
 *
 * <p>Return codes follow LNet: 0, or a negative errno ({@code -ENOENT} for a stale handle or an exhausted
 * descriptor, {@code -EINVAL}, {@code -EMSGSIZE} over {@code LNET_MAX_PAYLOAD}, {@code -EAGAIN} when the node's
 * send ring is full).
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

    private static final int PING_REPLY_CAPACITY = 4096;
    private static final int PUSH_BUFFER_CAPACITY = 4096;
    private static final int INDEX_BITS = 24;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

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
        "drop_wrong_nid", "sends_failed", "sends_deferred"};
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

    private final Object lock = new Object();
    private final long nid;
    private final int pid;
    private final long interfaceCookie;
    private final boolean invoker;
    private final EventQueue defaultQueue;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTER_NAMES.length);
    private final AtomicBoolean progressing = new AtomicBoolean();
    private final UnsafeBuffer eventScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(LnetEvent.LENGTH));
    private final LnetHeaderFlyweight headerEncoder = new LnetHeaderFlyweight();
    private final Receiver receiver = new Receiver();
    private final CompletionHandler completionHandler = this::onCompletion;
    private final UnsafeBuffer pingTargetBuffer;
    private final UnsafeBuffer pushTargetBuffer;

    private final LibMd[] portalHeads = new LibMd[MAX_PORTALS];
    private final LibMd[] portalTails = new LibMd[MAX_PORTALS];
    private LibMd[] mds = new LibMd[256];
    private int mdCount;
    private int[] freeMds = new int[256];
    private int freeMdCount;
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
     * @param config             the node's settings.
     * @param eventQueueCapacity bytes of the default event queue (a power of two).
     * @return the running LNet instance.
     * @throws NativeIoException if the acceptor cannot listen.
     */
    public static Lnet start(final NodeConfig config, final int eventQueueCapacity) throws NativeIoException
    {
        final Lnet lnet = new Lnet(config, eventQueueCapacity);
        lnet.node = Node.start(config, lnet.receiver);
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
     */
    public long bind(final MemoryDescriptor md)
    {
        synchronized (lock)
        {
            return newMd(md).handle;
        }
    }

    /**
     * Append a match entry to a portal with a descriptor attached ({@code LNetMEAttach} + {@code LNetMDAttach}).
     * An incoming PUT or GET on the portal takes the first entry, in order, whose source filter and match bits
     * accept it and whose descriptor allows the operation. The entry goes with its descriptor: after one operation
     * for {@link MemoryDescriptor#useOnce()}, never by itself for {@link MemoryDescriptor#persistent()}.
     *
     * @param portal     portal index, 0 to {@link #MAX_PORTALS} - 1.
     * @param matchNid   accept only this source NID, or {@code LNET_NID_ANY}.
     * @param matchPid   accept only this source PID, or {@code LNET_PID_ANY}.
     * @param matchBits  bits an incoming message's match bits must equal...
     * @param ignoreBits ...except where these bits are set.
     * @param md         the description (copied).
     * @return the descriptor's handle.
     */
    public long attach(
        final int portal, final long matchNid, final int matchPid, final long matchBits, final long ignoreBits,
        final MemoryDescriptor md)
    {
        if (portal < 0 || portal >= MAX_PORTALS)
        {
            throw new IllegalArgumentException("bad portal: portal=" + portal);
        }
        synchronized (lock)
        {
            final LibMd d = newMd(md);
            d.portal = portal;
            d.matchNid = matchNid;
            d.matchPid = matchPid;
            d.matchBits = matchBits;
            d.ignoreBits = ignoreBits;
            d.prev = portalTails[portal];
            if (null == d.prev)
            {
                portalHeads[portal] = d;
            }
            else
            {
                d.prev.next = d;
            }
            portalTails[portal] = d;
            return d.handle;
        }
    }

    /**
     * Unlink a descriptor ({@code LNetMDUnlink}): it matches nothing more; with no operation in flight it goes at
     * once with an UNLINK event, else the event of its last operation says {@code unlinked}.
     *
     * @param mdHandle the handle.
     * @return 0, or {@code -ENOENT} for a stale handle.
     */
    public int unlink(final long mdHandle)
    {
        synchronized (lock)
        {
            final LibMd md = lookup(mdHandle);
            if (null == md)
            {
                return -Errno.ENOENT;
            }
            startUnlink(md);
            if (md.refs == 0)
            {
                emit(md, LnetEventType.UNLINK, 0, true, md.matchBits, 0, nid, pid, nid, pid, md.portal, 0, 0, 0);
                free(md);
            }
            return 0;
        }
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
        synchronized (lock)
        {
            final LibMd md = lookup(mdHandle);
            final int rc = checkInitiator(md, portal);
            if (rc != 0)
            {
                return rc;
            }
            final Op op = newOp(OP_PUT_SEND, md, targetNid, targetPid, portal, matchBits, hdrData, md.length,
                md.length, remoteOffset);
            headerEncoder.wrapForEncode(op.header, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_PUT)
                .destNid(targetNid).srcNid(nid).destPid(targetPid).srcPid(pid).payloadLength(md.length)
                .wmdInterfaceCookie(ack ? interfaceCookie : LNET_WIRE_HANDLE_COOKIE_NONE)
                .wmdObjectCookie(ack ? md.handle : LNET_WIRE_HANDLE_COOKIE_NONE)
                .matchBits(matchBits).putHdrData(hdrData).putPtlIndex(portal).putOffset(remoteOffset);
            return initiate(op, md.address, md.length, PUTS_OUT);
        }
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
        synchronized (lock)
        {
            final LibMd md = lookup(mdHandle);
            final int rc = checkInitiator(md, portal);
            if (rc != 0)
            {
                return rc;
            }
            final Op op = newOp(OP_GET_SEND, md, targetNid, targetPid, portal, matchBits, 0, md.length, md.length,
                remoteOffset);
            headerEncoder.wrapForEncode(op.header, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_GET)
                .destNid(targetNid).srcNid(nid).destPid(targetPid).srcPid(pid).payloadLength(0)
                .wmdInterfaceCookie(interfaceCookie).wmdObjectCookie(md.handle)
                .matchBits(matchBits).getPtlIndex(portal).getSrcOffset(remoteOffset).getSinkLength(md.length);
            return initiate(op, 0, 0, GETS_OUT);
        }
    }

    /**
     * Make progress and deliver events of the default queue: turns send completions into SEND/GET events, retries
     * replies held back by a full send ring, then polls {@link #events()}.
     *
     * @param handler told of each event.
     * @param limit   most events to deliver.
     * @return events delivered.
     */
    public int poll(final EventHandler handler, final int limit)
    {
        progress();
        return defaultQueue.poll(handler, limit);
    }

    /**
     * Turn send completions into events and retry held-back replies, without polling any event queue (for
     * applications with their own queues). Safe to call from several threads: one does the work at a time.
     *
     * @return completions processed.
     */
    public int progress()
    {
        final Node n = node;
        if (null == n || !progressing.compareAndSet(false, true))
        {
            return 0;
        }
        try
        {
            synchronized (lock)
            {
                for (int i = deferred.size(); i > 0; i--)
                {
                    final Op op = deferred.pollFirst();
                    if (!submit(n, op))
                    {
                        deferred.addFirst(op);
                        break;
                    }
                }
            }
            return n.pollCompletions(completionHandler, 1024);
        }
        finally
        {
            progressing.set(false);
        }
    }

    /**
     * One duty cycle of the node and {@link #progress()} (invoker mode only).
     *
     * @return work done.
     */
    public int doWork()
    {
        return node.doWork() + progress();
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
            progress();
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

    private int checkInitiator(final LibMd md, final int portal)
    {
        if (null == md || md.threshold == 0)
        {
            return -Errno.ENOENT;
        }
        if (portal < 0 || portal >= MAX_PORTALS)
        {
            return -Errno.EINVAL;
        }
        if (md.length > LNET_MAX_PAYLOAD)
        {
            return -Errno.EMSGSIZE;
        }
        return 0;
    }

    private int initiate(final Op op, final long payloadAddress, final int payloadLength, final int counter)
    {
        op.payloadAddress = payloadAddress;
        op.payloadLength = payloadLength;
        final LibMd md = op.md;
        md.refs++;
        final Node n = node;
        if (null == n || !submit(n, op))
        {
            md.refs--;
            freeOp(op);
            return -Errno.EAGAIN;
        }
        consume(md);
        counters.incrementAndGet(counter);
        return 0;
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
        synchronized (lock)
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
                    emit(md, LnetEventType.SEND, status, unlinked, op.matchBits, op.hdrData, nid, pid, op.peerNid, op.peerPid,
                        op.portal, op.mlength, op.rlength, op.offset);
                }
                if (unlinked)
                {
                    free(md);
                }
            }
            freeOp(op);
        }
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

    private LibMd lookup(final long handle)
    {
        final int index = (int)(handle & INDEX_MASK);
        if (handle < 0 || index >= mdCount)
        {
            return null;
        }
        final LibMd md = mds[index];
        return md.live && md.handle == handle && !md.unlinking ? md : null;
    }

    private LibMd lookupWire(final long interfaceCookie, final long objectCookie)
    {
        return interfaceCookie == this.interfaceCookie ? lookup(objectCookie) : null;
    }

    private LibMd newMd(final MemoryDescriptor spec)
    {
        final LibMd md;
        if (freeMdCount > 0)
        {
            md = mds[freeMds[--freeMdCount]];
        }
        else
        {
            if (mdCount == INDEX_MASK)
            {
                throw new IllegalStateException("too many memory descriptors: count=" + mdCount);
            }
            if (mdCount == mds.length)
            {
                mds = Arrays.copyOf(mds, mdCount * 2);
                freeMds = Arrays.copyOf(freeMds, mdCount * 2);
            }
            md = new LibMd(mdCount);
            mds[mdCount++] = md;
        }
        md.generation++;
        md.handle = (md.generation << INDEX_BITS) | md.index;
        md.live = true;
        md.unlinking = false;
        md.address = spec.address;
        md.length = spec.length;
        md.owner = spec.memoryOwner;
        md.options = spec.options;
        md.threshold = spec.threshold;
        md.userPtr = spec.userPtr;
        md.queue = spec.useDefaultQueue ? defaultQueue : spec.eventQueue;
        md.localOffset = 0;
        md.refs = 0;
        md.portal = -1;
        return md;
    }

    private void free(final LibMd md)
    {
        if (!md.unlinking)
        {
            startUnlink(md);
        }
        md.live = false;
        md.owner = null;
        md.queue = null;
        freeMds[freeMdCount++] = md.index;
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
            synchronized (lock)
            {
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
            emit(md, LnetEventType.ACK, 0, unlinked, header.matchBits(), 0, header.srcNid(), header.srcPid(), nid, pid, -1, mlength,
                mlength, 0);
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
            p.portal = -1;
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
            synchronized (lock)
            {
                final LibMd md = p.md;
                md.refs--;
                final boolean unlinked = md.unlinking && md.refs == 0;
                final int status = receivedLength == p.mlength ? 0 : -Errno.EIO;
                if (p.kind == LNET_MSG_PUT)
                {
                    emit(md, LnetEventType.PUT, status, unlinked, p.matchBits, p.hdrData, p.srcNid, p.srcPid, nid, pid, p.portal,
                        receivedLength, p.rlength, p.offset);
                    if (p.ack)
                    {
                        sendAck(p, receivedLength);
                    }
                }
                else
                {
                    emit(md, LnetEventType.REPLY, status, unlinked, p.matchBits, 0, p.srcNid, p.srcPid, nid, pid, p.portal,
                        receivedLength, p.rlength, p.offset);
                }
                if (unlinked)
                {
                    free(md);
                }
            }
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
     * A memory descriptor and its match entry ({@code struct lnet_libmd} + {@code struct lnet_me}).
     */
    private static final class LibMd
    {
        final int index;
        long generation;
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
