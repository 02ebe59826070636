package io.jsocklnd.engine;

import io.jsocklnd.conn.ZcRequestTable;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Data-plane state of one peer, owned by one IO agent: its connections, the sends waiting for a
 * connection, and the zero-copy sends waiting for their ACK.
 */
final class Peer
{
    final long nid;
    int pid;
    long incarnation;
    final List<Connection> connections = new ArrayList<>(4);
    final ArrayDeque<EngineTx> waiting = new ArrayDeque<>();
    final ZcRequestTable<EngineTx> zcRequests = new ZcRequestTable<>();
    boolean connectRequested;
    long lastAliveNs;

    final AtomicCounter bytesIn;
    final AtomicCounter bytesOut;
    final AtomicCounter msgsIn;
    final AtomicCounter msgsOut;
    final AtomicCounter connectionsOpened;
    final AtomicCounter connectionsClosed;
    final AtomicCounter timeouts;
    final AtomicCounter protocolErrors;
    /** Received V2 messages whose {@code ksm_csum} did not match (each also a protocol error). */
    final AtomicCounter checksumErrors;
    final AtomicCounter sendsFailed;
    final AtomicCounter zcRequestsSent;
    final AtomicCounter zcAcksReceived;
    final AtomicCounter zcTimeouts;
    final AtomicCounter bytesOutCopy;
    final AtomicCounter bytesOutSplice;
    final AtomicCounter bytesOutMsgZeroCopy;
    final AtomicCounter bytesOutSendfile;

    Peer(final long nid, final CounterSet counters, final long nowNs)
    {
        this.nid = nid;
        this.lastAliveNs = nowNs;
        final String label = "peer " + Nid.toString(nid);
        bytesIn = counters.allocate(label + " bytes_in");
        bytesOut = counters.allocate(label + " bytes_out");
        msgsIn = counters.allocate(label + " msgs_in");
        msgsOut = counters.allocate(label + " msgs_out");
        connectionsOpened = counters.allocate(label + " conns_opened");
        connectionsClosed = counters.allocate(label + " conns_closed");
        timeouts = counters.allocate(label + " timeouts");
        protocolErrors = counters.allocate(label + " protocol_errors");
        checksumErrors = counters.allocate(label + " checksum_errors");
        sendsFailed = counters.allocate(label + " sends_failed");
        zcRequestsSent = counters.allocate(label + " zc_requests_sent");
        zcAcksReceived = counters.allocate(label + " zc_acks_received");
        zcTimeouts = counters.allocate(label + " zc_timeouts");
        bytesOutCopy = counters.allocate(label + " payload_bytes_copy");
        bytesOutSplice = counters.allocate(label + " payload_bytes_splice");
        bytesOutMsgZeroCopy = counters.allocate(label + " payload_bytes_msg_zerocopy");
        bytesOutSendfile = counters.allocate(label + " payload_bytes_sendfile");
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
