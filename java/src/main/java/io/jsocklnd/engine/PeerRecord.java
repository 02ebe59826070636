package io.jsocklnd.engine;

import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Control-plane state of one peer, owned by the conductor: identity, what was negotiated, how many
 * connections of each type exist, and when to try connecting next ({@code ksock_conn_cb}).
 */
final class PeerRecord
{
    final long nid;
    int pid;
    long incarnation;
    /** Hello version negotiated with this peer's live connections, 0 when none. */
    int version;
    /**
     * Older version this peer was found to speak (it refused a newer hello, or came with an older one),
     * tried first from then on; 0 when the newest is to be tried. Kept when its connections close, dropped
     * when the peer shows a new incarnation.
     */
    int learnedVersion;
    /** The incarnation the peer had when it last spoke {@link #learnedVersion}, 0 while not yet seen. */
    long learnedIncarnation;
    final int[] connections = new int[4];
    int activeInProgress;
    /**
     * Passive handshakes from this peer between its hello and our reply ({@code ksnp_accepting}): while any
     * is in progress, active connects to the peer wait.
     */
    int accepting;
    /** An attempt failed with "retry at once" and the next has not started yet: still connecting. */
    boolean retryNow;
    boolean wanted;
    long retryIntervalNs;
    long nextAttemptNs;
    int retries;

    final AtomicCounter connectAttempts;
    final AtomicCounter reconnects;
    final AtomicCounter refusedByPeer;
    final AtomicCounter refusedRace;
    /** Hellos from this peer that arrived while connecting to it: connection races, whoever wins them. */
    final AtomicCounter helloCrossings;
    final AtomicCounter refusedDuplicate;
    final AtomicCounter refusedStale;
    final AtomicCounter connectFailures;
    final AtomicCounter versionFallbacks;
    final AtomicCounter versionResets;
    final AtomicCounter connectsDeferred;

    PeerRecord(final long nid, final CounterSet counters)
    {
        this.nid = nid;
        final String label = "peer " + Nid.toString(nid);
        connectAttempts = counters.allocate(label + " connect_attempts");
        reconnects = counters.allocate(label + " reconnects");
        refusedByPeer = counters.allocate(label + " hellos_refused_by_peer");
        refusedRace = counters.allocate(label + " hellos_refused_race");
        helloCrossings = counters.allocate(label + " hellos_crossed");
        refusedDuplicate = counters.allocate(label + " hellos_refused_duplicate");
        refusedStale = counters.allocate(label + " hellos_refused_stale");
        connectFailures = counters.allocate(label + " connect_failures");
        versionFallbacks = counters.allocate(label + " version_fallbacks");
        versionResets = counters.allocate(label + " version_resets");
        connectsDeferred = counters.allocate(label + " connects_deferred_accepting");
    }

    int total()
    {
        return connections[0] + connections[1] + connections[2] + connections[3];
    }

    public String toString()
    {
        return Nid.toString(nid);
    }
}
