package io.jsocklnd.lnd;

import io.jsocklnd.lnd.ConnectScheduler.Retry;
import io.jsocklnd.nativeio.Epoll;
import io.jsocklnd.nativeio.EpollEventArrayFlyweight;
import io.jsocklnd.nativeio.Errno;
import io.jsocklnd.nativeio.NativeConstants;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.wire.ConnTypes;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.jsocklnd.wire.WireConstants.LNET_PID_USERFLAG;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;

/**
 * The control-plane agent. Its duty cycle runs the parts of the control plane: the {@link Acceptor} takes
 * connections, the {@link HelloExchange} runs their hello exchanges and those of the connections to peers,
 * the {@link ConnectScheduler} says which peers to connect to and when. The conductor asks {@link Admission}
 * about each hello and reply and applies the decision (counters, log lines, the peer's record, the reply, the
 * retry, closing a restarted peer's connections), hands established connections to the IO agent and takes the
 * IO agent's messages. Every field is owned by its thread.
 */
final class Conductor implements Agent, SleepingIdleStrategy.Sleeper, HelloExchange.Handler
{
    private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);
    private static final int EVENTS = 64;
    /** The epoll id of the wake-up eventfd: the acceptor is 0, hello exchanges count up from 1. */
    private static final long WAKE_ID = -1;
    private static final long HOUSEKEEPING_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final NodeConfig config;
    private final long localNid;
    private final InetAddress localAddress;
    private final OneToOneConcurrentArrayQueue<AgentMessages.ToConductor> fromIo;
    private final NanoClock clock;
    /** The time of the current duty cycle, read by the parts of the conductor. */
    private final CachedNanoClock cachedClock = new CachedNanoClock();
    private final Epoll epoll;
    private final EpollEventArrayFlyweight events = EpollEventArrayFlyweight.allocate(EVENTS);
    /** Wakes this agent for the IO agent's messages, or null when the IO agent's thread runs it. */
    private final Wakeup wakeup;
    private final AtomicCounter sleeps;
    private final BooleanSupplier hasQueuedInput = this::hasQueuedInput;
    /** Entries the last wait for work found in {@link #events}, acted on by the next poll instead of asking again. */
    private int readyFromSleep;
    /**
     * Whether this agent's epoll set may have entries: always when it has its own thread; when the IO agent's
     * thread runs it, only after the IO agent's set said so ({@link #onSocketsReady()}), which saves an
     * {@code epoll_wait} a duty cycle on a thread that spins.
     */
    private boolean socketsMayBeReady = true;
    private boolean watched;
    private final Outbox<AgentMessages.ToIo> outbox;
    private final AtomicCounter refusedVersion;
    private final Admission admission;
    private final ConnectScheduler scheduler;
    private final HelloExchange exchange;
    private final Acceptor acceptor;
    private long nextHousekeepingNs;

    /**
     * Create the conductor and its listening socket; called by the node before start.
     *
     * @param config     node settings.
     * @param toIo       established connections and peer commands.
     * @param fromIo     closed connections and connect requests.
     * @param clock      time source.
     * @param counterSet counters this agent allocates.
     * @param wakeup     wakes this agent when it waits for work, or null when the IO agent's thread runs it.
     * @param ioWakeup   wakes the IO agent for the messages sent to it.
     * @throws NativeIoException if the listening socket cannot be set up.
     */
    Conductor(
        final NodeConfig config,
        final OneToOneConcurrentArrayQueue<AgentMessages.ToIo> toIo,
        final OneToOneConcurrentArrayQueue<AgentMessages.ToConductor> fromIo,
        final NanoClock clock,
        final CounterSet counterSet,
        final Wakeup wakeup,
        final Wakeup ioWakeup) throws NativeIoException
    {
        this.config = config;
        this.localNid = config.nid();
        this.localAddress = Addresses.ipv4(Nid.addr(localNid));
        this.fromIo = fromIo;
        this.clock = clock;
        this.admission = new Admission(config);
        this.epoll = Epoll.open();
        final Acceptor.Counters acceptorCounters = new Acceptor.Counters(counterSet);
        refusedVersion = acceptorCounters.refusedVersion;
        scheduler = new ConnectScheduler(config, admission, counterSet, cachedClock);
        outbox = new Outbox<>(toIo, counterSet.allocate("conductor to_io_queue_full"), ioWakeup);
        exchange = new HelloExchange(config, localAddress, epoll, cachedClock, acceptorCounters, this);
        try
        {
            if (null != wakeup)
            {
                epoll.add(wakeup.fd(), NativeConstants.EPOLLIN, WAKE_ID);
            }
            acceptor = new Acceptor(config, localAddress, epoll, cachedClock, acceptorCounters, exchange);
        }
        catch (final NativeIoException ex)
        {
            epoll.close();
            throw ex;
        }
        this.wakeup = wakeup;
        sleeps = counterSet.allocate("conductor sleeps");
        final AtomicCounter wakeups = counterSet.allocate("conductor wakeups");
        if (null != wakeup)
        {
            wakeup.countIn(wakeups);
        }
    }

    /**
     * Wait in {@code epoll_wait} until a socket is ready, the IO agent hands work over ({@link Wakeup}) or the
     * next deadline of a hello exchange, a reconnect or the housekeeping comes; at once if work waits. Called by
     * the idle strategy after a cycle with no work.
     */
    public void sleepUntilWork()
    {
        readyFromSleep = wakeup.sleep(epoll, events, hasQueuedInput, waitMs(), sleeps);
    }

    /**
     * @return milliseconds until this agent's next deadline, 0 if one is due.
     */
    int waitMs()
    {
        long nextNs = nextHousekeepingNs;
        nextNs = exchange.nextDeadlineNs(nextNs);
        nextNs = scheduler.nextAttemptNs(nextNs);
        return Wakeup.timeoutMs(nextNs - clock.nanoTime(), HOUSEKEEPING_INTERVAL_NS);
    }

    /**
     * @return whether the IO agent's messages wait, or messages for it wait for room.
     */
    boolean hasQueuedInput()
    {
        return !fromIo.isEmpty() || outbox.hasBacklog();
    }

    /**
     * @return this agent's epoll descriptor, which the IO agent watches when one thread runs both.
     */
    int epollFd()
    {
        return epoll.fd();
    }

    /**
     * The IO agent watches this agent's epoll set from now on and calls {@link #onSocketsReady()} when it has
     * entries (same thread).
     */
    void watchedByIoAgent()
    {
        watched = true;
        socketsMayBeReady = false;
    }

    /**
     * The IO agent's epoll set says this agent's has entries: poll it in the next duty cycle.
     */
    void onSocketsReady()
    {
        socketsMayBeReady = true;
    }

    public String roleName()
    {
        return "jsocklnd-conductor";
    }

    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        cachedClock.update(nowNs);
        int work = outbox.drain();
        work += drainIo();
        work += pollSockets();
        work += exchange.releaseDelayedWrites();
        work += exchange.expireHandshakes();
        work += scheduler.scheduleConnects(exchange);
        if (nowNs - nextHousekeepingNs >= 0)
        {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            work += scheduler.forgetIdleRecords();
            acceptor.logRefusals();
        }
        return work;
    }

    public void onClose()
    {
        AgentMessages.ToIo message;
        while ((message = outbox.takeUnsent()) != null)
        {
            message.discard();
        }
        exchange.close();
        try
        {
            acceptor.close();
            epoll.close();
            if (null != wakeup)
            {
                wakeup.close();
            }
        }
        catch (final NativeIoException ex)
        {
            LOG.warn("close failed: {}", ex.getMessage());
        }
    }

    void onConnectRequest(final AgentMessages.ConnectRequest request)
    {
        if ((request.peerPid & LNET_PID_USERFLAG) != 0)
        {
            // A userspace process is reached only over connections it opened (ksocknal_launch_packet).
            LOG.warn("peer {}: refusing to connect to userspace process pid=0x{} rc={}", Nid.toString(request.peerNid),
                Integer.toHexString(request.peerPid), -Errno.EHOSTUNREACH);
            outbox.send(new AgentMessages.ConnectFailed(request.peerNid));
            return;
        }
        scheduler.onConnectRequest(request.peerNid, request.peerPid);
    }

    void onClosed(final AgentMessages.Closed closed)
    {
        scheduler.onClosed(closed.peerNid, closed.ctype, closed.errno, closed.wholePeer);
    }

    private int drainIo()
    {
        int work = 0;
        AgentMessages.ToConductor message;
        while ((message = fromIo.poll()) != null)
        {
            work++;
            message.deliverTo(this);
        }
        return work;
    }

    private int pollSockets()
    {
        if (!socketsMayBeReady)
        {
            return 0;
        }
        socketsMayBeReady = !watched;
        final int n = readyFromSleep > 0 ? readyFromSleep : Wakeup.ready(epoll, events, 0);
        readyFromSleep = 0;
        for (int i = 0; i < n; i++)
        {
            final long id = events.data(i);
            if (id == WAKE_ID)
            {
                wakeup.drain();
            }
            else if (id == Acceptor.EPOLL_ID)
            {
                acceptor.acceptAll();
            }
            else
            {
                exchange.onReady(id);
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- passive side

    /**
     * Apply the admission decision on the first 8 bytes of a hello ({@link Admission#helloPrefix(int, int)}).
     * The NONE hello that proposes this node's version names this node's own NID as {@code kshm_dst_nid}, as
     * the kernel writes it.
     */
    public boolean onHelloPrefix(final Handshake h, final int magic, final int version) throws NativeIoException
    {
        final Admission.Decision decision = admission.helloPrefix(magic, version);
        switch (decision.verdict())
        {
            case NOT_UNDERSTOOD:
                refusedVersion.incrementOrdered();
                exchange.abandon(h, "hello magic=0x" + Integer.toHexString(magic) + " version=" + version +
                    " not understood by a V1 node, closing", Errno.EPROTO);
                return false;

            case PROPOSE_VERSION:
                refusedVersion.incrementOrdered();
                LOG.info("{}: refused: hello version={} not spoken here, proposing V{} rc={}", h, version,
                    decision.version(), -Errno.EPROTO);
                h.peerNid = 0;
                exchange.writeReply(h, decision.version(), SOCKLND_CONN_NONE, localNid, 0, 0, false);
                return false;

            default:
                return true;
        }
    }

    /**
     * Apply the admission decision on a whole hello ({@link Admission#hello}): reply in kind, the connection
     * counted toward its peer's from now on, or with a NONE hello in the hello's version; either reply echoes
     * the hello's {@code kshm_dst_pid} and {@code kshm_dst_incarnation}, as the kernel's does.
     */
    public void onHello(final Handshake h, final int ourType) throws NativeIoException
    {
        final PeerRecord record = scheduler.recordOf(h.peerNid);
        final int version = h.peerVersion;
        final long incarnation = h.peerIncarnation;
        h.beginAccepting(record);
        if (Admission.connecting(record))
        {
            record.helloCrossings.incrementOrdered();
        }
        final boolean loopback = h.remote.getAddress().equals(localAddress);
        switch (admission.hello(record, version, incarnation, ourType, loopback).verdict())
        {
            case RACE:
                record.refusedRace.incrementOrdered();
                LOG.info("{}: refused {}: connection race, lower NID while connecting to it rc={}", h,
                    ConnTypes.name(ourType), -Errno.EALREADY);
                if (version < config.protocolVersion() && record.total() == 0)
                {
                    // Its hello shows the older version it speaks: the next attempt to it offers that one at once
                    // instead of finding it by closes while the peer keeps being refused.
                    learnVersion(record, version, incarnation, h);
                }
                break;

            case STALE:
                record.refusedStale.incrementOrdered();
                LOG.info("{}: refused: peer restarted or changed protocol, closing its connections rc={}", h,
                    -Errno.ESTALE);
                outbox.send(
                    new AgentMessages.ClosePeer(record.nid, Errno.ESTALE, "peer restarted or changed protocol"));
                record.incarnation = incarnation;
                record.version = 0;
                break;

            case DUPLICATE:
                record.refusedDuplicate.incrementOrdered();
                LOG.info("{}: refused: duplicate {} connection rc={}", h, ConnTypes.name(ourType), -Errno.EALREADY);
                break;

            default:
                h.ctype = ourType;
                h.version = version;
                record.pid = h.peerPid;
                record.incarnation = incarnation;
                record.version = version;
                learnVersion(record, version, incarnation, h);
                record.connections[ourType]++;
                exchange.writeReply(h, version, ourType, h.peerNid, h.echoedDstPid, h.echoedDstIncarnation, true);
                return;
        }
        exchange.writeReply(h, version, SOCKLND_CONN_NONE, h.peerNid, h.echoedDstPid, h.echoedDstIncarnation, false);
    }

    public void onAdmitted(final Handshake h)
    {
        handOver(h, Protocols.forVersion(h.version), h.peerOrder, h.peerPid, h.peerIncarnation);
    }

    // ---------------------------------------------------------------- active side

    /**
     * Apply the admission decision on the peer's reply ({@link Admission#reply}).
     */
    public void onReply(final Handshake h, final HelloFlyweight reply)
    {
        final PeerRecord record = h.record;
        final int replyVersion = reply.version();
        final int replyType = reply.ctype();
        final long incarnation = reply.srcIncarnation();
        final Admission.Decision decision = admission.reply(
            record, h.version, h.ctype, reply.srcNid(), reply.srcPid(), replyVersion, replyType, incarnation);
        record.closedVersion = 0;
        if (replyType == SOCKLND_CONN_NONE)
        {
            record.refusedByPeer.incrementOrdered();
        }
        switch (decision.verdict())
        {
            case RETRY_LATER:
                failActive(h, Errno.EALREADY, "peer refused the connection, retry later", Retry.LATER);
                return;

            case FALL_BACK:
                record.learnedVersion = decision.version();
                record.learnedIncarnation = incarnation;
                record.versionFallbacks.incrementOrdered();
                failActive(h, Errno.EPROTO, "peer refused V" + h.version + " and speaks V" + replyVersion +
                    ": falling back to V" + replyVersion, Retry.NOW);
                return;

            case UNSUPPORTED_VERSION:
                failActive(h, Errno.EPROTO, (replyType == SOCKLND_CONN_NONE ? "peer proposes unsupported version=" :
                    "reply in unsupported version=") + replyVersion, Retry.BACK_OFF);
                return;

            case WRONG_PEER:
                failActive(h, Errno.EPROTO, "peer claimed to be " + Nid.toString(reply.srcNid()) + " pid=" +
                    Integer.toUnsignedString(reply.srcPid()) + ", expected " + record + " pid=" +
                    Integer.toUnsignedString(record.pid), Retry.BACK_OFF);
                return;

            case WRONG_TYPE:
                failActive(h, Errno.EPROTO, "reply ctype=" + ConnTypes.name(replyType) + " is not the inverse of " +
                    ConnTypes.name(h.ctype), Retry.BACK_OFF);
                return;

            case RESTARTED:
                // A peer found to speak only an older version has restarted: it may be newer now, so the newest
                // version is tried again (an old peer refuses it and the fallback repeats).
                record.versionResets.incrementOrdered();
                record.learnedVersion = 0;
                record.learnedIncarnation = 0;
                if (decision.closesPeer())
                {
                    record.refusedStale.incrementOrdered();
                    outbox.send(new AgentMessages.ClosePeer(record.nid, Errno.ESTALE, "peer restarted"));
                    record.version = 0;
                }
                record.incarnation = incarnation;
                failActive(h, Errno.ESTALE, "peer restarted since it was found to speak V" + h.version +
                    ": trying V" + decision.version() + " again", Retry.NOW);
                return;

            case STALE:
                record.refusedStale.incrementOrdered();
                outbox.send(
                    new AgentMessages.ClosePeer(record.nid, Errno.ESTALE, "peer restarted or changed protocol"));
                record.incarnation = incarnation;
                record.version = 0;
                failActive(h, Errno.ESTALE, "peer restarted: incarnation changed", Retry.NOW);
                return;

            case DUPLICATE:
                record.refusedDuplicate.incrementOrdered();
                failActive(h, Errno.EALREADY, "duplicate " + ConnTypes.name(h.ctype) + " connection", Retry.LATER);
                return;

            default:
                record.pid = reply.srcPid();
                record.incarnation = incarnation;
                record.version = replyVersion;
                learnVersion(record, replyVersion, incarnation, h);
                scheduler.onConnected(record);
                handOver(h, Protocols.forVersion(replyVersion), reply.byteOrder(), reply.srcPid(), incarnation);
        }
    }

    /**
     * Apply the admission decision when the peer ended the exchange without a hello understood here
     * ({@link Admission#closedOnHello}): a first close at a version has it tried again at once; a second in a
     * row has an older version kept for the peer and tried at once; a second close at the oldest gives up and
     * forgets what was learned.
     */
    public void onClosedByPeer(final Handshake h, final int errno, final String reason)
    {
        final PeerRecord record = h.record;
        final Admission.Decision decision = admission.closedOnHello(record, h.version);
        switch (decision.verdict())
        {
            case RETRY_LATER:
                failActive(h, errno, reason, Retry.LATER);
                break;

            case TRY_AGAIN:
                record.closedVersion = h.version;
                failActive(h, errno, reason + ": V" + h.version + " closed once, trying it again", Retry.NOW);
                break;

            case FALL_BACK:
                record.closedVersion = 0;
                record.learnedVersion = decision.version();
                record.learnedIncarnation = 0;
                record.versionFallbacks.incrementOrdered();
                failActive(h, errno, reason + ": V" + h.version + " refused, falling back to V" + decision.version(),
                    Retry.NOW);
                break;

            default:
                record.forgetVersions();
                failActive(h, errno, reason, Retry.BACK_OFF);
                break;
        }
    }

    public void onFailed(final Handshake h, final int errno, final String reason)
    {
        failActive(h, errno, reason, Retry.BACK_OFF);
    }

    private void failActive(final Handshake h, final int errno, final String reason, final Retry retry)
    {
        if (!exchange.end(h))
        {
            return;
        }
        if (retry == Retry.BACK_OFF)
        {
            LOG.warn("{}: {} rc={}", h, reason, -errno);
        }
        else
        {
            LOG.info("{}: {} rc={}", h, reason, -errno);
        }
        if (scheduler.onAttemptFailed(h.record, retry))
        {
            outbox.send(new AgentMessages.ConnectFailed(h.record.nid));
        }
    }

    // ---------------------------------------------------------------- both sides

    /**
     * Remember what a successful hello showed about the peer's versions: an older one is kept for the next
     * connections, the newest clears what was learned.
     */
    private void learnVersion(final PeerRecord record, final int version, final long incarnation, final Handshake h)
    {
        if (version < config.protocolVersion())
        {
            if (record.learnedVersion != version)
            {
                LOG.info("{}: peer speaks V{}, using it for this peer from now on", h, version);
            }
            record.learnedVersion = version;
            record.learnedIncarnation = incarnation;
        }
        else
        {
            record.learnedVersion = 0;
            record.learnedIncarnation = 0;
        }
    }

    /**
     * Hand a connection that passed its hello exchange to the IO agent, which owns its socket from now; an
     * active one counts toward its peer's connections from here (a passive one did from admission).
     */
    private void handOver(
        final Handshake h,
        final SocklndProtocol proto,
        final ByteOrder peerOrder,
        final int peerPid,
        final long incarnation)
    {
        if (!exchange.release(h))
        {
            return;
        }
        final PeerRecord record = h.record;
        if (h.active)
        {
            record.connections[h.ctype]++;
        }
        outbox.send(new AgentMessages.Attach(
            h.id, record.nid, peerPid, incarnation, h.socket, h.ctype, proto, peerOrder, h.local, h.remote));
    }
}
