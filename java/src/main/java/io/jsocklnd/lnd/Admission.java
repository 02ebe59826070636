package io.jsocklnd.lnd;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_MAGIC;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;

/**
 * The admission rules of the hello exchange as pure decisions: given what this node knows of a peer (its
 * {@link PeerRecord}: incarnation, negotiated and learned version, connections of each type, whether it is
 * connecting to the peer) and the fields of a hello received from it, or of the reply to a hello sent to it,
 * say what becomes of the connection ({@code ksocknal_create_conn}, {@code ksocknal_recv_hello}): the
 * connection race, a peer that restarted or changed protocol, duplicates of a type, the versions a legacy
 * node understands, and falling back to an older version.
 * <p>
 * Nothing here does I/O, logs, reads a clock, counts or changes a record: the caller applies the decision.
 * This is the only place that decides whether a peer restarted ({@link #peerRestarted(long, long)}).
 */
final class Admission
{
    /**
     * What becomes of a connection in its hello exchange.
     */
    enum Verdict
    {
        /** Take it: passive, reply in kind (the first bytes of a hello: read the rest); active, hand it over. */
        ACCEPT,
        /** Passive, a legacy V1 node: it knows no hello magic but V1's and closes without a reply. */
        NOT_UNDERSTOOD,
        /** Passive: the hello's version is not spoken here; reply NONE in {@link Decision#version()} and close. */
        PROPOSE_VERSION,
        /** Passive: connection race lost by the peer, which has the lower NID while this node connects to it. */
        RACE,
        /**
         * The peer restarted (new incarnation) or changed protocol while it has connections here: they are
         * closed; passive, reply NONE; active, retry at once.
         */
        STALE,
        /** The peer has its connections of this type already: passive, reply NONE; active, retry later. */
        DUPLICATE,
        /**
         * Active: the peer refused the hello in the version sent (race, restart or duplicate on its side), or
         * closed on it while connections to it are up: retry later.
         */
        RETRY_LATER,
        /**
         * Active: the peer closed on a hello of this version, the first time in a row at it, with no connection
         * to it up: the same version again at once. A current kernel closes hellos for
         * reasons that have nothing to do with versions (no matching NI, an insecure port, the peer being torn
         * down); only a second close in a row at one version is taken as a refusal of it.
         */
        TRY_AGAIN,
        /**
         * Active: the peer speaks an older version (it proposed one, or closed twice in a row on hellos of this
         * one): it is kept for the peer and tried at once ({@link Decision#version()}).
         */
        FALL_BACK,
        /**
         * Active: the peer was found to speak only an older version and has restarted since: that is
         * forgotten and the newest ({@link Decision#version()}) tried again at once.
         */
        RESTARTED,
        /** Active: the peer proposes, or replies in, a version not spoken here. */
        UNSUPPORTED_VERSION,
        /** Active: the reply comes from another NID or PID than the peer connected to. */
        WRONG_PEER,
        /** Active: the reply's type is not the inverse of the type asked for. */
        WRONG_TYPE,
        /** Active: the peer closed on a hello of the oldest version: no older one to try. */
        FAIL
    }

    /**
     * A decision on one connection.
     *
     * @param verdict    what becomes of it.
     * @param version    the version the verdict names (proposed, fallen back to, tried again), 0 for none.
     * @param closesPeer whether the peer's existing connections are to be closed (it restarted).
     */
    record Decision(Verdict verdict, int version, boolean closesPeer)
    {
        static final Decision ACCEPT = new Decision(Verdict.ACCEPT, 0, false);
        static final Decision NOT_UNDERSTOOD = new Decision(Verdict.NOT_UNDERSTOOD, 0, false);
        static final Decision RACE = new Decision(Verdict.RACE, 0, false);
        static final Decision STALE = new Decision(Verdict.STALE, 0, true);
        static final Decision DUPLICATE = new Decision(Verdict.DUPLICATE, 0, false);
        static final Decision RETRY_LATER = new Decision(Verdict.RETRY_LATER, 0, false);
        static final Decision TRY_AGAIN = new Decision(Verdict.TRY_AGAIN, 0, false);
        static final Decision UNSUPPORTED_VERSION = new Decision(Verdict.UNSUPPORTED_VERSION, 0, false);
        static final Decision WRONG_PEER = new Decision(Verdict.WRONG_PEER, 0, false);
        static final Decision WRONG_TYPE = new Decision(Verdict.WRONG_TYPE, 0, false);
        static final Decision FAIL = new Decision(Verdict.FAIL, 0, false);

        static Decision proposeVersion(final int version)
        {
            return new Decision(Verdict.PROPOSE_VERSION, version, false);
        }

        static Decision fallBack(final int version)
        {
            return new Decision(Verdict.FALL_BACK, version, false);
        }

        static Decision restarted(final int version, final boolean closesPeer)
        {
            return new Decision(Verdict.RESTARTED, version, closesPeer);
        }
    }

    private final long localNid;
    private final int newestVersion;
    private final int legacyProtocol;
    private final int connsPerPeer;

    /**
     * @param localNid       this node's NID, for the race rule.
     * @param newestVersion  the newest hello version this node speaks.
     * @param legacyProtocol the legacy version this node imitates, 0 for a current node.
     * @param connsPerPeer   BULK_IN and BULK_OUT connections this node opens per peer.
     */
    Admission(final long localNid, final int newestVersion, final int legacyProtocol, final int connsPerPeer)
    {
        this.localNid = localNid;
        this.newestVersion = newestVersion;
        this.legacyProtocol = legacyProtocol;
        this.connsPerPeer = connsPerPeer;
    }

    /**
     * @param config the node's settings.
     */
    Admission(final NodeConfig config)
    {
        this(config.nid(), config.protocolVersion(), config.legacyProtocol(), config.connsPerPeer());
    }

    /**
     * Whether a peer restarted: an incarnation of it was known and the one it shows now differs.
     *
     * @param knownIncarnation the incarnation known so far, 0 for none.
     * @param incarnation      the incarnation the peer shows now.
     * @return true if it restarted since.
     */
    static boolean peerRestarted(final long knownIncarnation, final long incarnation)
    {
        return knownIncarnation != 0 && knownIncarnation != incarnation;
    }

    /**
     * Whether this node is connecting to the peer: an attempt is under way, or one was told to retry at once
     * (older version, peer restarted) and the next has not started, as the kernel's connd keeps the route
     * connecting across such retries. A hello from the peer in this window crossed one of ours.
     *
     * @param record the peer.
     * @return true while connecting to it.
     */
    static boolean connecting(final PeerRecord record)
    {
        return record.activeInProgress > 0 || record.retryNow;
    }

    /**
     * The version an active connection to this peer starts with: the one in use with it, else the older one
     * it was found to speak, else the newest ({@code ksnp_proto}, kept across disconnections).
     *
     * @param record the peer.
     * @return the hello version to send.
     */
    int versionFor(final PeerRecord record)
    {
        if (record.version != 0)
        {
            return record.version;
        }
        return record.learnedVersion != 0 ? record.learnedVersion : newestVersion;
    }

    /**
     * How many connections of a type this node keeps when it opens them: one CONTROL (or ANY), and
     * {@code conns_per_peer} of each bulk type.
     *
     * @param ctype a connection type.
     * @return how many connections of that type this node opens to a peer.
     */
    int limitOf(final int ctype)
    {
        return ctype == SOCKLND_CONN_CONTROL || ctype == SOCKLND_CONN_ANY ? 1 : connsPerPeer;
    }

    /**
     * How many connections of a type a peer may open to this node: one CONTROL (or ANY), and of each bulk type
     * as many as the peer opens, up to the kernel's most ({@value NodeConfig#MAX_CONNS_PER_PEER}): a kernel on a
     * fast link opens several by its own {@code conns_per_peer}, whatever this node's is.
     *
     * @param ctype a connection type.
     * @return how many connections of that type a peer may open.
     */
    static int acceptLimitOf(final int ctype)
    {
        return ctype == SOCKLND_CONN_CONTROL || ctype == SOCKLND_CONN_ANY ? 1 : NodeConfig.MAX_CONNS_PER_PEER;
    }

    /**
     * Passive side, on the first 8 bytes of a hello. A V1 hello is always answered in V1 (kernels still do;
     * an old node aborts on any other answer). A legacy V1 node knows only the V1 magic: it closes on
     * anything else without a reply ("Bad magic"). A version newer than this node speaks is refused with a
     * NONE hello of this node's version, which tells a newer peer what to use ({@code ksocknal_recv_hello}).
     *
     * @param magic   {@code kshm_magic} as read little-endian.
     * @param version the hello's version ({@code KSOCK_PROTO_V1} for the V1 magic).
     * @return {@link Verdict#ACCEPT} (read the rest), {@link Verdict#NOT_UNDERSTOOD} or
     * {@link Verdict#PROPOSE_VERSION}.
     */
    Decision helloPrefix(final int magic, final int version)
    {
        if (magic == LNET_PROTO_TCP_MAGIC)
        {
            return Decision.ACCEPT;
        }
        if (legacyProtocol == KSOCK_PROTO_V1)
        {
            return Decision.NOT_UNDERSTOOD;
        }
        if (!spoken(version))
        {
            return Decision.proposeVersion(newestVersion);
        }
        return Decision.ACCEPT;
    }

    /**
     * Passive side, on a whole hello from the peer: the race rule (the higher NID refuses the hello of a
     * lower one it is connecting to), then a restart or protocol change while the peer has connections, then
     * duplicates beyond what a peer may open ({@link #acceptLimitOf}; not counted on loopback, where a node may
     * connect to itself).
     *
     * @param record      the peer named by the hello's source NID.
     * @param version     the hello's version.
     * @param incarnation the hello's source incarnation.
     * @param ourType     the type this side takes (the inverse of the hello's).
     * @param loopback    whether the peer's address is this node's own.
     * @return {@link Verdict#ACCEPT}, {@link Verdict#RACE}, {@link Verdict#STALE} or {@link Verdict#DUPLICATE}.
     */
    Decision hello(
        final PeerRecord record, final int version, final long incarnation, final int ourType, final boolean loopback)
    {
        if (Long.compareUnsigned(record.nid, localNid) < 0 && connecting(record))
        {
            return Decision.RACE;
        }
        if (stale(record, version, incarnation))
        {
            return Decision.STALE;
        }
        if (!loopback && record.connections[ourType] >= acceptLimitOf(ourType))
        {
            return Decision.DUPLICATE;
        }
        return Decision.ACCEPT;
    }

    /**
     * Active side, on the peer's reply to a hello sent. A NONE reply in the version sent is a refusal to retry
     * later; one in another version spoken here names the version to fall back to. A reply of the peer that
     * was found to speak only an older version, showing a new incarnation, has the newest tried again.
     *
     * @param record      the peer connected to.
     * @param sentVersion the version of the hello sent.
     * @param sentType    the type asked for.
     * @param srcNid      the reply's source NID.
     * @param srcPid      the reply's source PID.
     * @param version     the reply's version.
     * @param ctype       the reply's type.
     * @param incarnation the reply's source incarnation.
     * @return the decision.
     */
    Decision reply(
        final PeerRecord record,
        final int sentVersion,
        final int sentType,
        final long srcNid,
        final int srcPid,
        final int version,
        final int ctype,
        final long incarnation)
    {
        if (ctype == SOCKLND_CONN_NONE)
        {
            if (version == sentVersion)
            {
                return Decision.RETRY_LATER;
            }
            return spoken(version) ? Decision.fallBack(version) : Decision.UNSUPPORTED_VERSION;
        }
        if (srcNid != record.nid || (record.pid != 0 && srcPid != record.pid))
        {
            return Decision.WRONG_PEER;
        }
        if (ctype != SocklndProtocol.invertType(sentType))
        {
            return Decision.WRONG_TYPE;
        }
        if (!spoken(version))
        {
            return Decision.UNSUPPORTED_VERSION;
        }
        if (record.learnedVersion != 0 && sentVersion == record.learnedVersion &&
            peerRestarted(record.learnedIncarnation, incarnation))
        {
            return Decision.restarted(newestVersion, record.total() > 0);
        }
        if (stale(record, version, incarnation))
        {
            return Decision.STALE;
        }
        // The peer took this connection, as this node takes a peer's bulk connections beyond its own count: closing
        // it now would reset an established connection at the peer and, with it, its siblings there.
        if (record.connections[sentType] >= acceptLimitOf(sentType))
        {
            return Decision.DUPLICATE;
        }
        return Decision.ACCEPT;
    }

    /**
     * Active side, the peer ended the hello exchange without a hello understood here: an old node that does
     * not know the version sent closes the connection (a V1 node on any V2/V3 hello), but so does a current
     * kernel for reasons of its own, and it never falls back on a close itself. With no connection to the peer
     * up, a first close at a version has that version tried again at once; a second in a row at it has the
     * next attempt go out at once one version older (V3, V2, V1).
     *
     * @param record      the peer connected to.
     * @param sentVersion the version of the hello sent.
     * @return {@link Verdict#RETRY_LATER}, {@link Verdict#TRY_AGAIN}, {@link Verdict#FALL_BACK} or
     * {@link Verdict#FAIL}.
     */
    Decision closedOnHello(final PeerRecord record, final int sentVersion)
    {
        final int older = sentVersion - 1;
        if (record.total() > 0)
        {
            return Decision.RETRY_LATER;
        }
        if (record.closedVersion != sentVersion)
        {
            return Decision.TRY_AGAIN;
        }
        if (older >= Protocols.OLDEST && null != Protocols.forVersion(older))
        {
            return Decision.fallBack(older);
        }
        return Decision.FAIL;
    }

    private boolean spoken(final int version)
    {
        return null != Protocols.forVersion(version) && version <= newestVersion;
    }

    /**
     * The peer has connections here and shows another incarnation (it restarted) or another version.
     */
    private static boolean stale(final PeerRecord record, final int version, final long incarnation)
    {
        return record.total() > 0 &&
            (peerRestarted(record.incarnation, incarnation) || (record.version != 0 && record.version != version));
    }
}
