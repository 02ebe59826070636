package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.Epoll;
import io.jsocklnd.nativeio.EpollEventArrayFlyweight;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.ConnTypes;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import io.jsocklnd.wire.WireConstants;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.LNET_PID_USERFLAG;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKNAL_KEEPALIVE_PING;

/**
 * The data-plane agent: owns its peers and their connections, reads sends from the application ring,
 * runs the RX state machine, writes gathered sends, ACKs incoming ZC requests, and reports completions.
 * Every field is owned by the agent's thread.
 */
final class IoAgent implements Agent, LndPort, RxMachine.Handler, TxWriter.Handler, SleepingIdleStrategy.Sleeper
{
    private static final Logger LOG = LoggerFactory.getLogger(IoAgent.class);
    private static final int SENDS_PER_CYCLE = 256;
    private static final int EVENTS = 256;
    private static final long TIMER_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long KEEPALIVE_RETRY_NS = TimeUnit.SECONDS.toNanos(10);
    /** Receive buffers kept for reuse; more than this many idle ones are left to the collector. */
    private static final int RX_POOL_RETAINED = 256;
    /** The epoll token of the wake-up eventfd: connection ids are positive. */
    private static final long WAKE_TOKEN = -1;
    /** The epoll token of the conductor's epoll set, watched here when one thread runs both agents. */
    private static final long CONDUCTOR_TOKEN = -2;

    private final NodeConfig config;
    private final long localNid;
    private final MessageHandler handler;
    private final RingBuffer sendRing;
    private final CompletionRing completionRing;
    private final CompletionHandler completions;
    private final LnetHeaderFlyweight claimedHeader = new LnetHeaderFlyweight();
    private EngineTx claimed;
    private final OneToOneConcurrentArrayQueue<AgentMessages.ToIo> fromConductor;
    private final OneToOneConcurrentArrayQueue<AgentMessages.ToConductor> toConductor;
    private final NanoClock clock;
    private final CounterSet counterSet;
    private final Epoll epoll;
    /** Wakes this agent when it waits for work (see {@link #sleepUntilWork()}). */
    final Wakeup wakeup;
    private final AtomicCounter sleeps;
    private final BooleanSupplier hasQueuedInput = this::hasQueuedInput;
    private final EpollEventArrayFlyweight events = EpollEventArrayFlyweight.allocate(EVENTS);
    private final Long2ObjectHashMap<Peer> peers = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<Connection> connections = new Long2ObjectHashMap<>();
    /** Connections chosen for sends so far: the order of {@link Connection#lastChosen}. */
    private long choices;
    /** The live connections' names for other threads, by {@link Connection#establishedOrder}. */
    private final ConcurrentSkipListMap<Long, String> established = new ConcurrentSkipListMap<>();
    private long establishedCount;
    private final ArrayDeque<EngineTx> pool = new ArrayDeque<>();
    private final ArrayDeque<UnsafeBuffer> rxPool = new ArrayDeque<>();
    private final Outbox<AgentMessages.ToConductor> outbox;
    private final ArrayList<Peer> forgettable = new ArrayList<>();
    private final TxWriter.Scratch txScratch = new TxWriter.Scratch();
    /** Connections with sends to flush in this duty cycle, each once ({@link Connection#dirty}). */
    private final ArrayDeque<Connection> dirty = new ArrayDeque<>();
    private final ArrayList<Connection> expired = new ArrayList<>();
    private final RxDecision decision = new RxDecision();
    private final AtomicCounter sendsAccepted;
    private final AtomicCounter sendsCompleted;
    private final AtomicCounter sendsFailed;
    private final AtomicCounter zcAcksReceived;
    private final AtomicCounter zcAcksSent;
    private final AtomicCounter zcRequestsSent;
    private final AtomicCounter zcAckNoopsSent;
    private final AtomicCounter zcAckPairsSent;
    private final AtomicCounter zcAckRangesSent;
    private final AtomicCounter zcTimeouts;
    private final AtomicCounter protocolErrors;
    private final AtomicCounter attachFailures;
    private final AtomicCounter peersRemembered;
    private final AtomicCounter peersForgotten;
    private final AtomicCounter liveConnections;
    private final long peerIdleNs;
    private final AtomicCounter zcAcksPiggybacked;
    private final AtomicCounter zcNoopsMerged;
    private final TxWriter.Settings txSettings;
    private final boolean unsafeZcCompleteOnWrite;
    /** Written ZC requests still waiting for their ACK when their connection closes. */
    private final Consumer<EngineTx> failPendingZc = tx -> complete(tx, -Errno.EIO);
    private final Consumer<EngineTx> onZcAcked = this::onZcAcked;
    private final org.agrona.concurrent.MessageHandler sendHandler = this::onSendCommand;

    private long nowNs;
    private long nextTimerNs;
    /** Entries the last wait for work found in {@link #events}, acted on by the next poll instead of asking again. */
    private int readyFromSleep;
    /** Tells the conductor its epoll set has entries, when this agent watches it ({@link #watchConductor}). */
    private Runnable conductorReady;
    /** LNET messages claimed and not yet completed, bounded by {@link LndPort#SEND_CREDITS}. */
    private int sendsHeld;

    /**
     * Create the agent; called by the node before start.
     *
     * @param config          node settings.
     * @param handler         the layer above.
     * @param sendRing        sends from application threads.
     * @param completionRing  completions to application threads.
     * @param completions     completions to the layer above on this thread, or null to use the ring.
     * @param fromConductor   established connections and peer commands.
     * @param toConductor     closed connections and connect requests.
     * @param clock           time source.
     * @param counterSet      counters this agent allocates.
     * @param wakeup          wakes this agent when it waits for work.
     * @param conductorWakeup wakes the conductor for the messages sent to it, or null when this thread runs it.
     * @throws NativeIoException if epoll cannot be created.
     */
    public IoAgent(
        final NodeConfig config,
        final MessageHandler handler,
        final RingBuffer sendRing,
        final RingBuffer completionRing,
        final CompletionHandler completions,
        final OneToOneConcurrentArrayQueue<AgentMessages.ToIo> fromConductor,
        final OneToOneConcurrentArrayQueue<AgentMessages.ToConductor> toConductor,
        final NanoClock clock,
        final CounterSet counterSet,
        final Wakeup wakeup,
        final Wakeup conductorWakeup) throws NativeIoException
    {
        this.config = config;
        this.localNid = config.nid();
        this.handler = handler;
        this.sendRing = sendRing;
        this.fromConductor = fromConductor;
        this.toConductor = toConductor;
        this.clock = clock;
        this.counterSet = counterSet;
        this.epoll = Epoll.open();
        sendsAccepted = counterSet.allocate("io sends_accepted");
        sendsCompleted = counterSet.allocate("io sends_completed");
        sendsFailed = counterSet.allocate("io sends_failed");
        zcAcksReceived = counterSet.allocate("io zc_acks_received");
        zcAcksSent = counterSet.allocate("io zc_acks_queued");
        this.completionRing = new CompletionRing(completionRing, counterSet.allocate("io completion_ring_full"));
        this.completions = null == completions ? this.completionRing : completions;
        zcRequestsSent = counterSet.allocate("io zc_requests_sent");
        zcAcksPiggybacked = counterSet.allocate("io zc_acks_piggybacked");
        zcAckNoopsSent = counterSet.allocate("io zc_ack_noops_sent");
        zcNoopsMerged = counterSet.allocate("io zc_noops_merged");
        zcAckPairsSent = counterSet.allocate("io zc_ack_pairs_sent");
        zcAckRangesSent = counterSet.allocate("io zc_ack_ranges_sent");
        zcTimeouts = counterSet.allocate("io zc_timeouts");
        protocolErrors = counterSet.allocate("io protocol_errors");
        attachFailures = counterSet.allocate("io attach_failures");
        peersRemembered = counterSet.allocate("io peers");
        peersForgotten = counterSet.allocate("io peers_forgotten");
        liveConnections = counterSet.allocate("io connections");
        outbox = new Outbox<>(toConductor, counterSet.allocate("io to_conductor_queue_full"),
            conductorWakeup);
        this.wakeup = wakeup;
        wakeup.countIn(counterSet.allocate("io wakeups"));
        sleeps = counterSet.allocate("io sleeps");
        try
        {
            epoll.add(wakeup.fd(), NativeConstants.EPOLLIN, WAKE_TOKEN);
        }
        catch (final NativeIoException ex)
        {
            epoll.close();
            throw ex;
        }
        peerIdleNs = config.peerIdleTimeoutNs();
        final ZeroCopyWriter.Mode zcWriterMode;
        switch (config.zcMode())
        {
            case SPLICE:
                zcWriterMode = ZeroCopyWriter.Mode.SPLICE;
                break;
            case MSG_ZEROCOPY:
                zcWriterMode = ZeroCopyWriter.Mode.MSG_ZEROCOPY;
                break;
            case AUTO:
                throw new IllegalStateException("zcMode=AUTO: the config was not concluded");
            default:
                zcWriterMode = null;
                break;
        }
        txSettings = new TxWriter.Settings(config.zcMinPayload(), config.zcMode() != NodeConfig.ZcMode.COPY,
            zcWriterMode, config.sockTimeoutNs(), config.enableCsum());
        unsafeZcCompleteOnWrite = config.unsafeZcCompleteOnWrite();
        if (unsafeZcCompleteOnWrite)
        {
            LOG.warn("UNSAFE: ZC sends complete before their ZC-ACK ({}), payload memory may be reused while in flight",
                NodeConfig.UNSAFE_ZC_COMPLETE_ON_WRITE_PROPERTY);
        }
    }

    public void onStart()
    {
        handler.onStart(this);
    }

    public String roleName()
    {
        return "jsocklnd-io";
    }

    public int doWork()
    {
        nowNs = clock.nanoTime();
        int work = outbox.drain();
        work += drainConductor();
        work += completionRing.drain();
        work += handler.onDutyCycle();
        final int credits = sendCredits();
        if (!completionRing.hasBacklog() && credits > 0)
        {
            work += sendRing.read(sendHandler, Math.min(SENDS_PER_CYCLE, credits));
        }
        work += pollSockets();
        work += flushDirty();
        if (nowNs - nextTimerNs >= 0)
        {
            nextTimerNs = nowNs + TIMER_INTERVAL_NS;
            work += checkTimers();
        }
        return work;
    }

    /**
     * Wait in {@code epoll_wait} until a socket is ready, another thread hands work over ({@link Wakeup}) or the
     * next timer is due; at once if work is waiting. Called by the idle strategy after a cycle with no work.
     */
    public void sleepUntilWork()
    {
        sleepUntilWork(timerWaitMs(), hasQueuedInput);
    }

    /**
     * Wait in {@code epoll_wait} as {@link #sleepUntilWork()} does, for at most {@code timeoutMs} and unless
     * {@code hasWork} says there is work: the wait of a thread that runs this agent and the conductor.
     *
     * @param timeoutMs longest wait.
     * @param hasWork   whether work waits for the thread.
     */
    void sleepUntilWork(final int timeoutMs, final BooleanSupplier hasWork)
    {
        readyFromSleep = wakeup.sleep(epoll, events, hasWork, timeoutMs, sleeps);
    }

    /**
     * @return milliseconds until this agent's next timer, 0 if it is due.
     */
    int timerWaitMs()
    {
        return Wakeup.timeoutMs(nextTimerNs - clock.nanoTime(), TIMER_INTERVAL_NS);
    }

    /**
     * Watch the conductor's epoll set in this agent's, so that one wait serves a thread that runs both agents;
     * the conductor is told when its set has entries, and polls it only then.
     *
     * @param conductorEpollFd the conductor's epoll descriptor.
     * @param onReady          tells the conductor, on this thread.
     * @throws NativeIoException if it cannot be added.
     */
    void watchConductor(final int conductorEpollFd, final Runnable onReady) throws NativeIoException
    {
        epoll.add(conductorEpollFd, NativeConstants.EPOLLIN, CONDUCTOR_TOKEN);
        conductorReady = onReady;
    }

    /**
     * Work another thread handed over, or that this agent holds back for a later cycle.
     */
    boolean hasQueuedInput()
    {
        return (sendRing.size() > 0 && sendCredits() > 0) || !fromConductor.isEmpty() || handler.hasPendingWork() ||
            completionRing.hasBacklog() || outbox.hasBacklog() || !dirty.isEmpty();
    }

    public void onClose()
    {
        for (final Connection c : new ArrayList<>(connections.values()))
        {
            closeConnection(c, Errno.ESHUTDOWN, "node shutting down", true);
        }
        AgentMessages.ToIo message;
        while ((message = fromConductor.poll()) != null)
        {
            message.discard();
        }
        for (final Peer peer : peers.values())
        {
            failWaiting(peer, -Errno.ESHUTDOWN);
        }
        try
        {
            epoll.close();
            wakeup.close();
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("epoll close failed: {}", ex.getMessage());
        }
    }

    private int drainConductor()
    {
        int work = 0;
        AgentMessages.ToIo message;
        while ((message = fromConductor.poll()) != null)
        {
            work++;
            message.deliverTo(this);
        }
        return work;
    }

    void onClosePeer(final AgentMessages.ClosePeer close)
    {
        final Peer peer = peers.get(close.peerNid);
        if (null != peer)
        {
            closePeer(peer, close.errno, close.reason);
        }
    }

    void onConnectFailed(final AgentMessages.ConnectFailed failed)
    {
        final Peer peer = peers.get(failed.peerNid);
        if (null != peer)
        {
            peer.connectRequested = false;
            if (peer.connections.isEmpty())
            {
                failWaiting(peer, -Errno.EHOSTUNREACH);
            }
        }
    }

    /**
     * Take an established connection into service. Whatever fails here closes its socket and tells the
     * conductor, so no connection is ever left half-attached.
     */
    void onAttach(final AgentMessages.Attach attach)
    {
        try
        {
            attachConnection(attach);
        }
        catch (final RuntimeException | OutOfMemoryError ex)
        {
            attachFailures.incrementOrdered();
            LOG.warn("conn#{} {} {} {}: closed: cannot take the connection into service: {} rc={}", attach.connectionId,
                Nid.toString(attach.peerNid), ConnTypes.name(attach.ctype), Addresses.text(attach.remoteAddress),
                ex.toString(), -Errno.ENOMEM);
            final Connection c = connections.get(attach.connectionId);
            if (null != c)
            {
                closeConnection(c, Errno.ENOMEM, "attach failed", false);
            }
            else
            {
                attach.closeSocket();
                outbox.send(new AgentMessages.Closed(attach.peerNid, attach.ctype, attach.connectionId, Errno.ENOMEM, false));
            }
        }
    }

    private void attachConnection(final AgentMessages.Attach attach)
    {
        final Peer peer = peerOf(attach.peerNid);
        if (Admission.peerRestarted(peer.incarnation, attach.incarnation))
        {
            closePeer(peer, Errno.ESTALE, "peer restarted");
        }
        peer.pid = attach.peerPid;
        peer.incarnation = attach.incarnation;
        peer.lastAliveNs = nowNs;

        final String label = "conn#" + attach.connectionId + ' ' + Nid.toString(attach.peerNid) + ' ' +
            ConnTypes.name(attach.ctype) + " V" + attach.proto.version();
        final ConnectionCounters counters = new ConnectionCounters(counterSet, label);
        final Connection c;
        try
        {
            c = new Connection(attach.connectionId, peer, attach.socket, attach.ctype, attach.proto, attach.order,
                counters, Addresses.text(attach.remoteAddress), nowNs, this, this, txSettings, txScratch);
        }
        catch (final RuntimeException | OutOfMemoryError ex)
        {
            counters.close();
            throw ex;
        }
        try
        {
            epoll.add(attach.socket.fd(), NativeConstants.EPOLLIN, attach.connectionId);
        }
        catch (final NativeIoException ex)
        {
            register(peer, c);
            closeConnection(c, ex.errno(), "epoll add failed: " + ex.getMessage(), false);
            return;
        }
        register(peer, c);
        LOG.info("{}: established local={}", c, Addresses.text(attach.localAddress));

        launchWaiting(peer);
    }

    /**
     * Make the connection live; its peer's count of opened connections goes up before another thread can see it
     * in {@link #connections()}, so that a reader of both never sees the connection without its count.
     */
    private void register(final Peer peer, final Connection c)
    {
        c.establishedOrder = ++establishedCount;
        peer.connections.add(c);
        connections.put(c.id, c);
        peer.connectionsOpened.incrementOrdered();
        established.put(c.establishedOrder, c.label);
        liveConnections.incrementOrdered();
    }

    /**
     * @return the live connections, {@code "conn#ID NID TYPE Vn"} each, in the order they were established (any
     * thread).
     */
    List<String> establishedConnections()
    {
        return new ArrayList<>(established.values());
    }

    /**
     * A receive buffer for a connection that has bytes to read.
     */
    public UnsafeBuffer takeRxBuffer()
    {
        final UnsafeBuffer buffer = rxPool.poll();
        return null != buffer ? buffer :
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(RxMachine.BUFFER_CAPACITY, 64));
    }

    public void returnRxBuffer(final UnsafeBuffer buffer)
    {
        if (rxPool.size() < RX_POOL_RETAINED)
        {
            rxPool.add(buffer);
        }
    }

    private Peer peerOf(final long nid)
    {
        Peer peer = peers.get(nid);
        if (null == peer)
        {
            peer = new Peer(nid, counterSet, nowNs);
            peers.put(nid, peer);
            peersRemembered.incrementOrdered();
        }
        return peer;
    }

    private void onSendCommand(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == SendCommand.DISCONNECT_MSG_TYPE)
        {
            final Peer peer = peers.get(buffer.getLong(index + SendCommand.DST_NID_OFFSET));
            if (null != peer && !peer.connections.isEmpty())
            {
                closePeer(peer, Errno.ECONNABORTED, "disconnected by request");
            }
            return;
        }
        final EngineTx tx = claim(
            buffer.getLong(index + SendCommand.DST_NID_OFFSET),
            buffer.getInt(index + SendCommand.DST_PID_OFFSET),
            buffer.getLong(index + SendCommand.PAYLOAD_ADDRESS_OFFSET),
            buffer.getInt(index + SendCommand.PAYLOAD_LENGTH_OFFSET),
            buffer.getLong(index + SendCommand.CORRELATION_ID_OFFSET));
        if (msgTypeId == SendCommand.SEND_FILE_MSG_TYPE && tx.payloadLength > 0)
        {
            tx.payloadAddress = 0;
            tx.fileFd = buffer.getInt(index + SendCommand.FILE_FD_OFFSET);
            tx.fileOffset = buffer.getLong(index + SendCommand.FILE_OFFSET_OFFSET);
        }
        // An application thread wrote the header into the ring; this is its one copy, into the send slot.
        tx.header.putBytes(
            EngineTx.LNET_HEADER_OFFSET, buffer, index + SendCommand.HEADER_OFFSET, LnetHeaderFlyweight.LENGTH);
        commit(tx);
    }

    public LnetHeaderFlyweight claimSend(
        final int type,
        final long dstNid,
        final int dstPid,
        final long payloadAddress,
        final int payloadLength,
        final long correlationId)
    {
        if (null != claimed)
        {
            throw new IllegalStateException("a claimed send was not committed: correlationId=" + claimed.correlationId);
        }
        final EngineTx tx = claim(dstNid, dstPid, payloadAddress, payloadLength, correlationId);
        claimed = tx;
        return claimedHeader.wrapForEncode(tx.header, EngineTx.LNET_HEADER_OFFSET, LnetHeaderFlyweight.LENGTH, type);
    }

    public int sendCredits()
    {
        return Math.max(0, SEND_CREDITS - sendsHeld);
    }

    public void commitSend()
    {
        final EngineTx tx = claimed;
        if (null == tx)
        {
            throw new IllegalStateException("no claimed send to commit");
        }
        claimed = null;
        commit(tx);
    }

    public AtomicCounter counter(final String label)
    {
        return counterSet.allocate(label);
    }

    private EngineTx claim(
        final long dstNid, final int dstPid, final long payloadAddress, final int payloadLength, final long correlationId)
    {
        final EngineTx tx = acquire();
        tx.lnet();
        sendsHeld++;
        tx.correlationId = correlationId;
        tx.dstNid = dstNid;
        tx.dstPid = dstPid;
        tx.payloadLength = payloadLength;
        tx.payloadAddress = payloadAddress;
        return tx;
    }

    private void commit(final EngineTx tx)
    {
        sendsAccepted.incrementOrdered();
        launch(peerOf(tx.dstNid), tx);
    }

    private void launch(final Peer peer, final EngineTx tx)
    {
        tx.peer = peer;
        final Connection c = findConnection(peer, tx);
        if (null != c)
        {
            enqueue(c, tx);
            return;
        }
        tx.queuedAtNs = nowNs;
        tx.moveTo(SendState.WAITING);
        peer.waiting.add(tx);
        requestConnect(peer);
    }

    private void requestConnect(final Peer peer)
    {
        if (!peer.connectRequested)
        {
            peer.connectRequested = true;
            outbox.send(new AgentMessages.ConnectRequest(peer.nid, peer.pid == 0 ? config.pid() : peer.pid));
        }
    }

    private void launchWaiting(final Peer peer)
    {
        final int n = peer.waiting.size();
        for (int i = 0; i < n; i++)
        {
            final EngineTx tx = peer.waiting.poll();
            final Connection c = findConnection(peer, tx);
            if (null == c)
            {
                peer.waiting.add(tx);
            }
            else
            {
                enqueue(c, tx);
            }
        }
        if (peer.waiting.isEmpty())
        {
            peer.connectRequested = false;
        }
        else
        {
            peer.connectRequested = false;
            requestConnect(peer);
        }
    }

    /**
     * Pick a connection as the kernel does ({@code ksocknal_find_conn_locked}, §7.3): among those the protocol
     * says "yes" to, else among the "maybe", the one with the fewest bytes queued here and in its socket; ties
     * go to the least recently chosen ({@code round_robin}). The socket's queue is read ({@code SIOCOUTQ}) only
     * when several connections share the best match, and only for those written to since their queue was last
     * seen empty.
     */
    private Connection findConnection(final Peer peer, final EngineTx tx)
    {
        Connection best = null;
        int bestMatch = SocklndProtocol.MATCH_NO;
        int sharing = 0;
        for (int i = 0, n = peer.connections.size(); i < n; i++)
        {
            final Connection c = peer.connections.get(i);
            final int match = match(c, tx);
            if (match > bestMatch)
            {
                best = c;
                bestMatch = match;
                sharing = 1;
            }
            else if (match == bestMatch && match != SocklndProtocol.MATCH_NO)
            {
                sharing++;
            }
        }
        if (sharing > 1)
        {
            best = null;
            long bestQueued = Long.MAX_VALUE;
            for (int i = 0, n = peer.connections.size(); i < n; i++)
            {
                final Connection c = peer.connections.get(i);
                if (match(c, tx) != bestMatch)
                {
                    continue;
                }
                final long queued = c.tx.queuedBytes() + c.refreshSocketQueued(nowNs);
                if (queued < bestQueued || (queued == bestQueued && c.lastChosen < best.lastChosen))
                {
                    best = c;
                    bestQueued = queued;
                }
            }
        }
        if (null != best)
        {
            best.lastChosen = ++choices;
        }
        return best;
    }

    private int match(final Connection c, final EngineTx tx)
    {
        return c.closing ? SocklndProtocol.MATCH_NO :
            c.proto.match(c.ctype, c.matchSize(tx), tx.nonBlocking, config.minBulk());
    }

    private void enqueue(final Connection c, final EngineTx tx)
    {
        c.tx.enqueue(tx, nowNs);
        markDirty(c);
    }

    private void markDirty(final Connection c)
    {
        if (!c.closing && !c.dirty)
        {
            c.dirty = true;
            dirty.add(c);
        }
    }

    /**
     * Flush the connections marked so far, each once; those marked while flushing (a completion that sends) are
     * flushed in the next duty cycle.
     */
    private int flushDirty()
    {
        int work = 0;
        for (int i = 0, n = dirty.size(); i < n; i++)
        {
            final Connection c = dirty.poll();
            c.dirty = false;
            if (!c.closing)
            {
                work += flush(c);
            }
        }
        return work;
    }

    private int flush(final Connection c)
    {
        try
        {
            return c.tx.flush(nowNs);
        }
        catch (final NativeIoException ex)
        {
            closeConnectionAndSiblings(c, ex.errno(), ex.getMessage());
            return 1;
        }
    }

    private int pollSockets()
    {
        final int n = readyFromSleep > 0 ? readyFromSleep : Wakeup.ready(epoll, events, 0);
        readyFromSleep = 0;
        int work = 0;
        for (int i = 0; i < n; i++)
        {
            if (events.data(i) == WAKE_TOKEN)
            {
                wakeup.drain();
                continue;
            }
            if (events.data(i) == CONDUCTOR_TOKEN)
            {
                conductorReady.run();
                continue;
            }
            final Connection c = connections.get(events.data(i));
            if (null == c || c.closing)
            {
                continue;
            }
            final int ready = events.events(i);
            if ((ready & NativeConstants.EPOLLERR) != 0)
            {
                work += pollZcCompletions(c);
            }
            if (!c.closing && c.rx.isParseWaiting() && (ready & NativeConstants.EPOLLHUP) != 0)
            {
                // A connection waiting for a receive decision reads nothing, so a reset shows only as a hang-up.
                closeConnectionAndSiblings(c, Errno.ECONNRESET, "hung up while a receive waits for its decision");
                work++;
                continue;
            }
            if (!c.closing && (ready & (NativeConstants.EPOLLIN | NativeConstants.EPOLLERR | NativeConstants.EPOLLHUP)) != 0)
            {
                work += read(c);
            }
            if (!c.closing && (ready & NativeConstants.EPOLLOUT) != 0)
            {
                work += flush(c);
            }
        }
        return work;
    }

    private int pollZcCompletions(final Connection c)
    {
        try
        {
            final int work = c.tx.pollZcCompletions();
            if (work > 0 && c.tx.hasPending())
            {
                markDirty(c);
            }
            return work;
        }
        catch (final NativeIoException ex)
        {
            closeConnectionAndSiblings(c, ex.errno(), ex.getMessage());
            return 1;
        }
    }

    private int read(final Connection c)
    {
        try
        {
            return c.onReadable(nowNs);
        }
        catch (final ProtocolException ex)
        {
            protocolError(c, "protocol error: " + ex.getMessage());
        }
        catch (final ConnectionClosedException ex)
        {
            closeConnectionAndSiblings(c, ex.errno, ex.errno == 0 ? "closed by peer" : "closed by peer inside a message");
        }
        catch (final NativeIoException ex)
        {
            closeConnectionAndSiblings(c, ex.errno(), ex.getMessage());
        }
        return 1;
    }

    /**
     * Bad input from the peer: count it on the peer and the agent, then close the connection and its siblings
     * (their pending sends fail with {@code EPROTO}).
     */
    private void protocolError(final Connection c, final String reason)
    {
        c.peer.protocolErrors.incrementOrdered();
        protocolErrors.incrementOrdered();
        closeConnectionAndSiblings(c, Errno.EPROTO, reason);
    }

    /**
     * A message for another NID of this node's network is a protocol error, as {@code lnet_parse} has it ("should
     * have been sent direct"); one for another network is left to the layer above (no routing here). The
     * headers of a userspace peer carry the identity its connection was given ({@code ksocknal_process_receive}).
     */
    public boolean checkHeader(final Connection c, final LnetHeaderFlyweight header)
    {
        final long destNid = header.destNid();
        if (destNid != localNid && Nid.net(destNid) == Nid.net(localNid))
        {
            protocolError(c, "dest_nid=" + Nid.toString(destNid) + " is on this node's network but not its NID");
            return false;
        }
        final Peer peer = c.peer;
        if ((peer.pid & LNET_PID_USERFLAG) != 0)
        {
            header.overwriteSource(peer.nid, peer.pid);
        }
        return true;
    }

    public RxDecision onHeader(final Connection c, final LnetHeaderFlyweight header)
    {
        decision.clear();
        handler.onHeader(c.id, c.peer.nid, header, decision);
        return decision;
    }

    public void onPayload(final Connection c, final long address, final int received, final int payloadLength)
    {
        handler.onPayload(c.id, address, received, payloadLength);
    }

    public void onReceiveAborted(final Connection c, final int status)
    {
        handler.onReceiveAborted(c.id, status);
    }

    /**
     * Resume a connection left in PARSE_WAIT.
     *
     * @param connectionId the connection.
     * @param address      payload destination, or 0 to drop.
     * @param capacity     bytes available there.
     * @return true if the connection was waiting.
     */
    public boolean resumeReceive(final long connectionId, final long address, final int capacity)
    {
        final Connection c = connections.get(connectionId);
        if (null == c)
        {
            return false;
        }
        try
        {
            return c.rx.resume(address, capacity, nowNs);
        }
        catch (final ProtocolException ex)
        {
            protocolError(c, "protocol error: " + ex.getMessage());
        }
        return true;
    }

    /**
     * A ksock header carried an ACK ({@code [1]} non-zero): release what it names, or close on a cookie
     * that is not pending (the sender side of {@code ksocknal_handle_zcack}).
     */
    public void onZcAck(final Connection c, final boolean noop, final long cookie0, final long cookie1)
    {
        final int released = c.peer.zcRequests.onAck(noop, cookie0, cookie1, c.proto.keepaliveDefined(), onZcAcked);
        if (released == ZcRequestTable.UNKNOWN_COOKIE)
        {
            protocolError(c,
                "unknown ZC-ACK cookie: carrier=" + (noop ? "NOOP" : "LNET") +
                " cookie0=" + Long.toUnsignedString(cookie0) + " cookie1=" + Long.toUnsignedString(cookie1) +
                " pending=" + c.peer.zcRequests.pendingCount());
        }
    }

    /**
     * The peer ACKed a ZC request: complete it if it is written (for MSG_ZEROCOPY, once the kernel has released
     * its pages), or if it was reported already; an ACK ahead of the last byte leaves it to {@link #onSent}.
     */
    private void onZcAcked(final EngineTx tx)
    {
        zcAcksReceived.incrementOrdered();
        tx.connection.peer.zcAcksReceived.incrementOrdered();
        switch (tx.state())
        {
            case WRITTEN:
                if (!tx.connection.tx.awaitRelease(tx))
                {
                    complete(tx, 0);
                }
                break;
            case REPORTED:
                complete(tx, 0);
                break;
            default:
                // Ahead of its last byte (QUEUED): complete once written. Any other state is a bug moveTo refuses.
                tx.moveTo(SendState.ACKED);
                break;
        }
    }

    /**
     * A message carrying a ZC request cookie has been consumed: ACK it once, on the connection the
     * protocol prefers for non-blocking sends (V3: the ACK connection; V2: CONTROL).
     */
    public void onZcRequest(final Connection c, final long cookie)
    {
        final EngineTx ack = acquire();
        ack.noop(cookie);
        ack.nonBlocking = true;
        Connection target = findConnection(c.peer, ack);
        if (null == target)
        {
            target = c.peer.connectionOfType(SOCKLND_CONN_CONTROL);
        }
        if (null == target)
        {
            target = c;
        }
        zcAcksSent.incrementOrdered();
        enqueue(target, ack);
    }

    /**
     * Every byte of an LNET message is in the socket: a copy send is complete; a ZC request waits for its ACK
     * (reported at once in the unsafe mode), or, ACKed ahead, is complete (for MSG_ZEROCOPY, once the kernel has
     * released its pages).
     */
    public void onSent(final Connection c, final EngineTx tx)
    {
        if (tx.zcCookie == 0)
        {
            complete(tx, 0);
            return;
        }
        zcRequestsSent.incrementOrdered();
        c.peer.zcRequestsSent.incrementOrdered();
        if (tx.state() == SendState.ACKED)
        {
            if (!c.tx.awaitRelease(tx))
            {
                complete(tx, 0);
            }
        }
        else if (unsafeZcCompleteOnWrite)
        {
            tx.moveTo(SendState.REPORTED);
            report(tx, 0);
        }
        else
        {
            tx.moveTo(SendState.WRITTEN);
        }
    }

    public void onNoopSent(final Connection c, final EngineTx noop)
    {
        countNoopSent(noop);
        recycle(noop);
    }

    /**
     * Classify a NOOP that went out: an ACK of one cookie, a pair or a range, or the keepalive.
     */
    private void countNoopSent(final EngineTx noop)
    {
        final long c0 = noop.cookies().cookie0();
        final long c1 = noop.cookies().cookie1();
        if (c1 == 0 || (c0 == 0 && c1 == WireConstants.SOCKNAL_KEEPALIVE_PING))
        {
            return;
        }
        zcAckNoopsSent.incrementOrdered();
        if (c0 != 0)
        {
            if (Long.compareUnsigned(c0, c1) > 0)
            {
                zcAckPairsSent.incrementOrdered();
            }
            else
            {
                zcAckRangesSent.incrementOrdered();
            }
        }
    }

    public void onAckMerged(final Connection c, final EngineTx noop, final boolean piggybacked)
    {
        (piggybacked ? zcAcksPiggybacked : zcNoopsMerged).incrementOrdered();
        recycle(noop);
    }

    /**
     * End a send, whatever its state, with success (0) or a failure (negative errno): an LNET message's
     * completion goes to the application unless it went already ({@link SendState#REPORTED}), a failure is
     * counted on its peer; then the send goes back to the pool ({@link SendState#FREE}). A NOOP has no completion.
     */
    public void complete(final EngineTx tx, final int status)
    {
        if (tx.type() == KSOCK_MSG_LNET)
        {
            sendsHeld--;
            if (status != 0)
            {
                tx.peer.sendsFailed.incrementOrdered();
            }
            if (tx.state() != SendState.REPORTED)
            {
                report(tx, status);
            }
        }
        recycle(tx);
    }

    /**
     * Hand a send's completion to the application.
     */
    private void report(final EngineTx tx, final int status)
    {
        if (status == 0)
        {
            sendsCompleted.incrementOrdered();
        }
        else
        {
            sendsFailed.incrementOrdered();
        }
        completions.onCompletion(tx.correlationId, status);
    }

    public void writeInterest(final Connection c, final boolean on)
    {
        try
        {
            epoll.modify(c.socket.fd(), NativeConstants.EPOLLIN | (on ? NativeConstants.EPOLLOUT : 0), c.id);
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("{}: epoll modify failed: {}", c, ex.getMessage());
        }
    }

    EngineTx acquire()
    {
        final EngineTx tx = pool.poll();
        return null == tx ? new EngineTx() : tx;
    }

    void recycle(final EngineTx tx)
    {
        tx.reset();
        pool.add(tx);
    }

    /**
     * One keepalive NOOP {0, 1} per peer ({@code ksocknal_send_keepalive_locked}): when nothing was heard from it
     * for {@code keepalive}, at most every 10 s, on the connection a non-blocking NOOP goes on (the ACK
     * connection, V3), skipped while that connection has sends queued.
     */
    private int sendKeepalive(final Peer peer)
    {
        if (config.keepaliveNs() <= 0 || peer.connections.isEmpty() ||
            nowNs - peer.lastAliveNs < config.keepaliveNs() || nowNs - peer.nextKeepaliveNs < 0)
        {
            return 0;
        }
        peer.nextKeepaliveNs = nowNs + KEEPALIVE_RETRY_NS;
        final EngineTx keepalive = acquire();
        keepalive.noop(WireConstants.SOCKNAL_KEEPALIVE_PING);
        keepalive.nonBlocking = true;
        final Connection c = findConnection(peer, keepalive);
        if (null == c || !c.proto.keepaliveDefined() || c.tx.hasPending())
        {
            recycle(keepalive);
            return 0;
        }
        enqueue(c, keepalive);
        return 1;
    }

    private int checkTimers()
    {
        int work = 0;
        final long timeoutNs = config.sockTimeoutNs();
        // Before the keepalive and timeout checks: a socket send queue that shrank is progress and a live peer.
        for (final Connection c : connections.values())
        {
            if (!c.closing)
            {
                c.refreshSocketQueued(nowNs);
            }
        }
        for (final Peer peer : peers.values())
        {
            if (!peer.waiting.isEmpty() && nowNs - peer.waiting.peek().queuedAtNs > timeoutNs)
            {
                peer.timeouts.incrementOrdered();
                LOG.warn("peer {}: sends waited {} ms for a connection, failing them", peer,
                    TimeUnit.NANOSECONDS.toMillis(timeoutNs));
                failWaiting(peer, -Errno.ETIMEDOUT);
                work++;
            }
            final EngineTx stale = peer.zcRequests.firstExpired(nowNs);
            if (stale != null && !peer.connections.isEmpty())
            {
                peer.timeouts.incrementOrdered();
                peer.zcTimeouts.incrementOrdered();
                zcTimeouts.incrementOrdered();
                closePeer(peer, Errno.ETIMEDOUT, "stale ZC requests: pending=" + peer.zcRequests.pendingCount() +
                    " oldest cookie=" + Long.toUnsignedString(stale.zcCookie) + " un-ACKed for over " +
                    TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
                work++;
            }
            work += sendKeepalive(peer);
        }

        work += forgetIdlePeers();

        final ArrayList<Connection> expired = this.expired;
        expired.clear();
        for (final Connection c : connections.values())
        {
            if (c.closing)
            {
                continue;
            }
            if (!c.rx.isIdle() && nowNs - c.rx.messageStartNs() > timeoutNs && nowNs - c.lastRxNs > timeoutNs)
            {
                expired.add(c);
            }
            else if ((c.tx.hasPending() || c.socketQueued > 0) && nowNs - c.lastTxProgressNs > timeoutNs)
            {
                expired.add(c);
            }
        }
        // Indexed: an iterator would be garbage on every timer tick.
        for (int i = 0, n = expired.size(); i < n; i++)
        {
            final Connection c = expired.get(i);
            c.peer.timeouts.incrementOrdered();
            closeConnectionAndSiblings(c, Errno.ETIMEDOUT, "no progress for " +
                TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
            work++;
        }
        expired.clear();
        return work;
    }

    /**
     * Forget the peers with no connection, nothing waiting to be sent and no ZC request pending that have been
     * so for the idle time ({@code peer_idle_timeout}), as the kernel drops a peer with no connections and
     * nothing queued; their counters go with them. A peer that comes back starts afresh.
     */
    private int forgetIdlePeers()
    {
        final ArrayList<Peer> forgettable = this.forgettable;
        for (final Peer peer : peers.values())
        {
            if (peer.connections.isEmpty() && peer.waiting.isEmpty() && !peer.connectRequested &&
                peer.zcRequests.pendingCount() == 0 && nowNs - peer.idleSinceNs >= peerIdleNs)
            {
                forgettable.add(peer);
            }
        }
        final int n = forgettable.size();
        for (int i = 0; i < n; i++)
        {
            final Peer peer = forgettable.get(i);
            peers.remove(peer.nid);
            peer.counters.close();
            peersRemembered.getAndAddOrdered(-1);
            peersForgotten.incrementOrdered();
        }
        forgettable.clear();
        return n;
    }

    private void closePeer(final Peer peer, final int errno, final String reason)
    {
        for (final Connection c : new ArrayList<>(peer.connections))
        {
            closeConnection(c, errno, reason, true);
        }
        failZcRequests(peer, null);
    }

    /**
     * An error or end of stream on one connection closes every connection to that peer, as the kernel does
     * ({@code ksocknal_close_conn_and_siblings}); the others log which connection took them down.
     */
    private void closeConnectionAndSiblings(final Connection c, final int errno, final String reason)
    {
        closeConnection(c, errno, reason, true);
        final Peer peer = c.peer;
        for (final Connection sibling : new ArrayList<>(peer.connections))
        {
            closeConnection(sibling, errno, "sibling conn#" + c.id + " closed: " + reason, true);
        }
        failZcRequests(peer, null);
    }

    /**
     * Close one connection once: log it, fail what it had not sent and the ZC sends waiting for an ACK on
     * it, and tell the conductor (whether the whole peer is being closed, so it does not reconnect).
     */
    private void closeConnection(final Connection c, final int errno, final String reason, final boolean wholePeer)
    {
        if (c.closing)
        {
            return;
        }
        c.closing = true;
        if (errno == 0 || errno == Errno.ESHUTDOWN)
        {
            LOG.info("{}: closed: {} rc={}", c, reason, -errno);
        }
        else
        {
            LOG.warn("{}: closed: {} rc={}", c, reason, -errno);
        }
        try
        {
            epoll.remove(c.socket.fd());
        }
        catch (final NativeIoException ignore)
        {
            // the descriptor may already be gone; closing it below is what matters
        }
        try
        {
            c.socket.close();
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("{}: close failed: {}", c, ex.getMessage());
        }

        final int status = -(errno == 0 ? Errno.ECONNRESET : errno);
        c.rx.close(status);
        c.tx.close(status);
        failZcRequests(c.peer, c);

        connections.remove(c.id);
        // Counted before other threads see it gone from connections(), as register counts an opened one.
        c.peer.connectionsClosed.incrementOrdered();
        established.remove(c.establishedOrder);
        liveConnections.getAndAddOrdered(-1);
        c.peer.connections.remove(c);
        c.peer.idleSinceNs = nowNs;
        c.counters.close();
        outbox.send(new AgentMessages.Closed(c.peer.nid, c.ctype, c.id, errno, wholePeer));

        if (c.peer.connections.isEmpty() && !c.peer.waiting.isEmpty())
        {
            c.peer.connectRequested = false;
            requestConnect(c.peer);
        }
    }

    private void failZcRequests(final Peer peer, final Connection onlyOn)
    {
        peer.zcRequests.removeIf(tx -> null == onlyOn || tx.connection == onlyOn, failPendingZc);
    }

    private void failWaiting(final Peer peer, final int status)
    {
        EngineTx tx;
        while ((tx = peer.waiting.poll()) != null)
        {
            complete(tx, status);
        }
        peer.idleSinceNs = nowNs;
    }
}
