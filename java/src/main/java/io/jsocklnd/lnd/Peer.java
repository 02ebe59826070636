package io.jsocklnd.lnd;

import io.jsocklnd.wire.Nid;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Data-plane state of one peer, owned by one IO agent: its connections, the sends waiting for a
 * connection, and the zero-copy sends waiting for their ACK.
 */
final class Peer
{
    private static final String[] NAMES = {
        "bytes_in", "bytes_out", "msgs_in", "msgs_out",
        "conns_opened", "conns_closed", "timeouts", "protocol_errors",
        "checksum_errors", "sends_failed", "zc_requests_sent", "zc_acks_received",
        "zc_timeouts", "payload_bytes_copy", "payload_bytes_splice", "payload_bytes_msg_zerocopy",
        "payload_bytes_sendfile"};

    final long nid;
    int pid;
    /**
     * The incarnation of the peer's connections here, for the IO agent's own check at attach
     * ({@link Admission#peerRestarted}): this peer may outlive the conductor's record of it (sends waiting, ZC
     * requests not yet ACKed), and what it holds from an earlier incarnation must go when a new one attaches.
     */
    long incarnation;
    final List<Connection> connections = new ArrayList<>(4);
    final ArrayDeque<EngineTx> waiting = new ArrayDeque<>();
    final ZcRequestTable<EngineTx> zcRequests = new ZcRequestTable<>();
    boolean connectRequested;
    long lastAliveNs;
    /** Not before then the next keepalive ({@code ksnp_send_keepalive}): the first at once, retries 10 s apart. */
    long nextKeepaliveNs;
    /** When the peer last had a connection or something to send; forgotten once idle long enough. */
    long idleSinceNs;

    /** This peer's counters, registered while it is remembered. */
    final CounterGroup counters;
    final Counter bytesIn;
    final Counter bytesOut;
    final Counter msgsIn;
    final Counter msgsOut;
    final Counter connectionsOpened;
    final Counter connectionsClosed;
    final Counter timeouts;
    final Counter protocolErrors;
    /** Received V2 messages whose {@code ksm_csum} did not match (each also a protocol error). */
    final Counter checksumErrors;
    final Counter sendsFailed;
    final Counter zcRequestsSent;
    final Counter zcAcksReceived;
    final Counter zcTimeouts;
    final Counter bytesOutCopy;
    final Counter bytesOutSplice;
    final Counter bytesOutMsgZeroCopy;
    final Counter bytesOutSendfile;

    Peer(final long nid, final CounterSet counterSet, final long nowNs)
    {
        this.nid = nid;
        this.lastAliveNs = nowNs;
        this.nextKeepaliveNs = nowNs;
        this.idleSinceNs = nowNs;
        counters = counterSet.group("peer " + Nid.toString(nid), NAMES);
        bytesIn = counters.counter(0);
        bytesOut = counters.counter(1);
        msgsIn = counters.counter(2);
        msgsOut = counters.counter(3);
        connectionsOpened = counters.counter(4);
        connectionsClosed = counters.counter(5);
        timeouts = counters.counter(6);
        protocolErrors = counters.counter(7);
        checksumErrors = counters.counter(8);
        sendsFailed = counters.counter(9);
        zcRequestsSent = counters.counter(10);
        zcAcksReceived = counters.counter(11);
        zcTimeouts = counters.counter(12);
        bytesOutCopy = counters.counter(13);
        bytesOutSplice = counters.counter(14);
        bytesOutMsgZeroCopy = counters.counter(15);
        bytesOutSendfile = counters.counter(16);
    }

    Connection connectionOfType(final int ctype)
    {
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final Connection c = connections.get(i);
            if (c.ctype == ctype && !c.closing)
            {
                return c;
            }
        }
        return null;
    }

    public String toString()
    {
        return Nid.toString(nid);
    }
}
