package io.jsocklnd.lnd;

import io.jsocklnd.nativeio.Errno;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;

/**
 * Which peers want connections and when to try them: the peer records (made on first sight, forgotten once
 * idle), the list of those that want connections, which type each needs next, and the retries and reconnect
 * backoff of failed attempts (the kernel's connd and {@code ksnr_retry_interval}). Owned by the conductor
 * thread; the time is the conductor's, read once per duty cycle.
 */
final class ConnectScheduler
{
    private static final int MAX_RETRIES = 3;

    /**
     * How an attempt that failed is tried again.
     */
    enum Retry
    {
        /**
         * At once (the same version after a first close, an older version to try, the peer restarted): the peer
         * still counts as connecting.
         */
        NOW,
        /** After the shortest interval, giving up after {@value #MAX_RETRIES} in a row (the peer refused). */
        LATER,
        /** After the backoff, which doubles up to its maximum; a connect failure. */
        BACK_OFF
    }

    /**
     * Starts a connection to a peer: its hello exchange from TCP connect on.
     */
    @FunctionalInterface
    interface Connector
    {
        /**
         * @param record  the peer.
         * @param ctype   the type to ask for.
         * @param version the hello version to send.
         * @return false if the attempt could not start (no socket), true if it started (it may have failed since).
         */
        boolean connect(PeerRecord record, int ctype, int version);
    }

    private final NodeConfig config;
    private final Admission admission;
    private final CounterSet counterSet;
    private final NanoClock clock;
    private final Long2ObjectHashMap<PeerRecord> records = new Long2ObjectHashMap<>();
    /** The records that want connections, the only ones {@link #scheduleConnects(Connector)} looks at. */
    private final ArrayList<PeerRecord> wanting = new ArrayList<>();
    private final ArrayList<PeerRecord> forgettable = new ArrayList<>();
    private final AtomicCounter peerRecords;
    private final AtomicCounter peersForgotten;

    /**
     * @param config     node settings.
     * @param admission  the admission rules (the version a connection starts with).
     * @param counterSet where peer records register their counters, and these totals are allocated.
     * @param clock      the conductor's time of the current duty cycle.
     */
    ConnectScheduler(
        final NodeConfig config, final Admission admission, final CounterSet counterSet, final NanoClock clock)
    {
        this.config = config;
        this.admission = admission;
        this.counterSet = counterSet;
        this.clock = clock;
        peerRecords = counterSet.allocate("conductor peers");
        peersForgotten = counterSet.allocate("conductor peers_forgotten");
    }

    /**
     * The record of a peer, made if there is none.
     *
     * @param nid the peer's NID.
     * @return its record.
     */
    PeerRecord recordOf(final long nid)
    {
        PeerRecord record = records.get(nid);
        if (null == record)
        {
            record = new PeerRecord(nid, counterSet, clock.nanoTime());
            records.put(nid, record);
            peerRecords.incrementOrdered();
        }
        return record;
    }

    /**
     * Sends wait for a peer with no usable connection: connect to it.
     *
     * @param nid the peer's NID.
     * @param pid its PID, kept if none is known.
     */
    void onConnectRequest(final long nid, final int pid)
    {
        final PeerRecord record = recordOf(nid);
        if (record.pid == 0)
        {
            record.pid = pid;
        }
        want(record);
        record.retries = 0;
    }

    /**
     * A connection to a peer closed: count it out, and connect again if its siblings live on after an error
     * (not when the whole peer went, nor when it went because the peer restarted).
     *
     * @param nid       the peer's NID.
     * @param ctype     the connection's type.
     * @param errno     why it closed, 0 for an orderly close.
     * @param wholePeer whether every connection to the peer is closing with it.
     */
    void onClosed(final long nid, final int ctype, final int errno, final boolean wholePeer)
    {
        final PeerRecord record = recordOf(nid);
        if (ctype >= 0 && ctype < record.connections.length && record.connections[ctype] > 0)
        {
            record.connections[ctype]--;
        }
        if (record.total() == 0)
        {
            // The last connection gone, what was negotiated with the peer is forgotten (ksnp_proto).
            record.version = 0;
            record.forgetVersions();
            record.idleSinceNs = clock.nanoTime();
        }
        else if (!wholePeer && errno != 0 && errno != Errno.ESTALE)
        {
            want(record);
            record.reconnects.incrementOrdered();
        }
    }

    /**
     * Start a connection to each peer that wants one and is due, unless one is under way to it already; a peer
     * that is connecting to this node right now waits for that to finish.
     *
     * @param connector starts a connection.
     * @return connections started.
     */
    int scheduleConnects(final Connector connector)
    {
        final long nowNs = clock.nanoTime();
        int work = 0;
        final ArrayList<PeerRecord> wanting = this.wanting;
        for (int i = 0; i < wanting.size(); i++)
        {
            final PeerRecord record = wanting.get(i);
            if (!record.wanted)
            {
                record.retryNow = false;
                record.listed = false;
                record.idleSinceNs = nowNs;
                final int last = wanting.size() - 1;
                wanting.set(i, wanting.get(last));
                wanting.remove(last);
                i--;
                continue;
            }
            if (record.activeInProgress > 0 || nowNs - record.nextAttemptNs < 0)
            {
                continue;
            }
            record.retryNow = false;
            final int ctype = nextMissingType(record);
            if (ctype == SOCKLND_CONN_NONE)
            {
                record.wanted = false;
                continue;
            }
            if (record.accepting > 0)
            {
                // The peer is connecting to us right now: let that finish first and try again after the
                // shortest backoff, as the kernel's connd does while it is accepting from the peer.
                record.connectsDeferred.incrementOrdered();
                record.retryIntervalNs = config.minReconnectNs();
                record.nextAttemptNs = nowNs + record.retryIntervalNs;
                continue;
            }
            record.connectAttempts.incrementOrdered();
            if (!connector.connect(record, ctype, admission.versionFor(record)))
            {
                backOff(record);
            }
            work++;
        }
        return work;
    }

    /**
     * An attempt to connect got through its hello exchange: the retries and backoff start again from nothing.
     *
     * @param record the peer.
     */
    void onConnected(final PeerRecord record)
    {
        record.retries = 0;
        record.retryIntervalNs = 0;
    }

    /**
     * An attempt to connect failed: schedule the next as the failure asks.
     *
     * @param record the peer.
     * @param retry  how to try again.
     * @return true if connecting to the peer is given up while it has no connection: what waits for it fails.
     */
    boolean onAttemptFailed(final PeerRecord record, final Retry retry)
    {
        final long nowNs = clock.nanoTime();
        record.idleSinceNs = nowNs;
        switch (retry)
        {
            case NOW:
                record.nextAttemptNs = nowNs;
                record.retryNow = true;
                return false;

            case LATER:
                record.retries++;
                record.nextAttemptNs = nowNs + config.minReconnectNs();
                if (record.retries >= MAX_RETRIES)
                {
                    record.wanted = false;
                    record.retries = 0;
                    return record.total() == 0;
                }
                return false;

            default:
                record.connectFailures.incrementOrdered();
                backOff(record);
                if (record.total() == 0)
                {
                    record.wanted = false;
                    return true;
                }
                return false;
        }
    }

    /**
     * The earliest time a wanted peer is due for its next connection attempt.
     *
     * @param limitNs the answer when nothing is sooner.
     * @return the earliest of those times and {@code limitNs}.
     */
    long nextAttemptNs(final long limitNs)
    {
        long nextNs = limitNs;
        final ArrayList<PeerRecord> wanting = this.wanting;
        for (int i = 0; i < wanting.size(); i++)
        {
            final PeerRecord record = wanting.get(i);
            if (record.activeInProgress == 0 && record.nextAttemptNs - nextNs < 0)
            {
                nextNs = record.nextAttemptNs;
            }
        }
        return nextNs;
    }

    /**
     * Forget the records of peers with no connection, no hello exchange and no connection wanted that have been
     * so for the idle time (and past any reconnect backoff), with their counters.
     *
     * @return records forgotten.
     */
    int forgetIdleRecords()
    {
        final long nowNs = clock.nanoTime();
        final long idleNs = config.peerIdleTimeoutNs();
        final ArrayList<PeerRecord> forgettable = this.forgettable;
        for (final PeerRecord record : records.values())
        {
            if (record.total() == 0 && record.activeInProgress == 0 && record.accepting == 0 && !record.wanted &&
                !record.retryNow && !record.listed && nowNs - record.idleSinceNs >= idleNs &&
                nowNs - record.nextAttemptNs >= 0)
            {
                forgettable.add(record);
            }
        }
        final int n = forgettable.size();
        for (int i = 0; i < n; i++)
        {
            final PeerRecord record = forgettable.get(i);
            records.remove(record.nid);
            record.counters.close();
            peerRecords.getAndAddOrdered(-1);
            peersForgotten.incrementOrdered();
        }
        forgettable.clear();
        return n;
    }

    private void want(final PeerRecord record)
    {
        if (!record.wanted)
        {
            record.wanted = true;
            if (!record.listed)
            {
                record.listed = true;
                wanting.add(record);
            }
        }
    }

    private int nextMissingType(final PeerRecord record)
    {
        // Typed connections whatever the version, as every kernel has them (typed_conns, read-only): a V1 hello
        // carries its type too, and the V1 matcher chooses among them by size.
        if (record.connections[SOCKLND_CONN_ANY] > 0)
        {
            // An untyped connection the peer opened carries everything.
            return SOCKLND_CONN_NONE;
        }
        final int n = config.connsPerPeer();
        final int[] c = record.connections;
        if (c[SOCKLND_CONN_CONTROL] == 0)
        {
            return SOCKLND_CONN_CONTROL;
        }
        if (c[SOCKLND_CONN_BULK_IN] < n && c[SOCKLND_CONN_BULK_IN] <= c[SOCKLND_CONN_BULK_OUT])
        {
            return SOCKLND_CONN_BULK_IN;
        }
        if (c[SOCKLND_CONN_BULK_OUT] < n)
        {
            return SOCKLND_CONN_BULK_OUT;
        }
        if (c[SOCKLND_CONN_BULK_IN] < n)
        {
            return SOCKLND_CONN_BULK_IN;
        }
        return SOCKLND_CONN_NONE;
    }

    /**
     * The next attempt waits for the backoff, doubled from the last one within the reconnect bounds.
     */
    private void backOff(final PeerRecord record)
    {
        record.retryIntervalNs = nextInterval(record.retryIntervalNs);
        record.nextAttemptNs = clock.nanoTime() + record.retryIntervalNs;
    }

    private long nextInterval(final long current)
    {
        final long doubled = current == 0 ? config.minReconnectNs() : current * 2;
        return Math.max(config.minReconnectNs(), Math.min(config.maxReconnectNs(), doubled));
    }
}
