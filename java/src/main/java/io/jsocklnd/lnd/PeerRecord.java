package io.jsocklnd.lnd;

import io.jsocklnd.wire.Nid;

/**
 * Control-plane state of one peer, owned by the conductor: identity, what was negotiated, how many
 * connections of each type exist, and when to try connecting next ({@code ksock_conn_cb}).
 */
final class PeerRecord
{
    private static final String[] NAMES = {
        "connect_attempts", "reconnects", "hellos_refused_by_peer", "hellos_refused_race",
        "hellos_crossed", "hellos_refused_duplicate", "hellos_refused_stale", "connect_failures",
        "version_fallbacks", "version_resets", "connects_deferred_accepting"};

    final long nid;
    int pid;
    /** The incarnation the peer's hellos showed, for admission ({@link Admission}); the IO agent keeps its own. */
    long incarnation;
    /** Hello version negotiated with this peer's live connections, 0 when none. */
    int version;
    /**
     * Older version this peer was found to speak (it refused a newer hello, or came with an older one),
     * tried first from then on; 0 when the newest is to be tried. Forgotten when the last connection to the
     * peer closes (the kernel forgets {@code ksnp_proto} then), when connecting to it is given up, and when
     * the peer shows a new incarnation.
     */
    int learnedVersion;
    /** The incarnation the peer had when it last spoke {@link #learnedVersion}, 0 while not yet seen. */
    long learnedIncarnation;
    /**
     * The version of the last hello the peer closed on without a reply, while no reply came since; 0 for
     * none. A second close in a row at that version is taken as a refusal of it ({@link Admission}).
     */
    int closedVersion;
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
    /** On the conductor's list of records that want connections (taken off it once they no longer do). */
    boolean listed;
    /** When the peer last had a connection or a hello exchange; forgotten once idle long enough. */
    long idleSinceNs;
    long retryIntervalNs;
    long nextAttemptNs;
    int retries;

    /** This peer's control-plane counters, registered while it is remembered. */
    final CounterGroup counters;
    final Counter connectAttempts;
    final Counter reconnects;
    final Counter refusedByPeer;
    final Counter refusedRace;
    /** Hellos from this peer that arrived while connecting to it: connection races, whoever wins them. */
    final Counter helloCrossings;
    final Counter refusedDuplicate;
    final Counter refusedStale;
    final Counter connectFailures;
    final Counter versionFallbacks;
    final Counter versionResets;
    final Counter connectsDeferred;

    PeerRecord(final long nid, final CounterSet counterSet, final long nowNs)
    {
        this.nid = nid;
        this.idleSinceNs = nowNs;
        counters = counterSet.group("peer " + Nid.toString(nid), NAMES);
        connectAttempts = counters.counter(0);
        reconnects = counters.counter(1);
        refusedByPeer = counters.counter(2);
        refusedRace = counters.counter(3);
        helloCrossings = counters.counter(4);
        refusedDuplicate = counters.counter(5);
        refusedStale = counters.counter(6);
        connectFailures = counters.counter(7);
        versionFallbacks = counters.counter(8);
        versionResets = counters.counter(9);
        connectsDeferred = counters.counter(10);
    }

    /**
     * Forget the versions learned of the peer: the next connection starts with the newest.
     */
    void forgetVersions()
    {
        learnedVersion = 0;
        learnedIncarnation = 0;
        closedVersion = 0;
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
