package io.jsocklnd.engine;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Data-path counters of one connection, freed when it closes.
 */
final class ConnectionCounters implements AutoCloseable
{
    private final String label;
    final AtomicCounter bytesIn;
    final AtomicCounter bytesOut;
    final AtomicCounter msgsIn;
    final AtomicCounter msgsOut;
    final AtomicCounter noopsIn;
    final AtomicCounter noopsOut;
    final AtomicCounter acksPiggybacked;
    final AtomicCounter noopsMerged;
    final AtomicCounter ksmHeadersIn;

    ConnectionCounters(final CounterSet set, final String label)
    {
        this.label = label;
        bytesIn = set.allocate(label + " bytes_in");
        bytesOut = set.allocate(label + " bytes_out");
        msgsIn = set.allocate(label + " msgs_in");
        msgsOut = set.allocate(label + " msgs_out");
        noopsIn = set.allocate(label + " noops_in");
        noopsOut = set.allocate(label + " noops_out");
        acksPiggybacked = set.allocate(label + " zc_acks_piggybacked");
        noopsMerged = set.allocate(label + " zc_noops_merged");
        ksmHeadersIn = set.allocate(label + " ksm_headers_in");
    }

    String label()
    {
        return label;
    }

    public void close()
    {
        bytesIn.close();
        bytesOut.close();
        msgsIn.close();
        msgsOut.close();
        noopsIn.close();
        noopsOut.close();
        acksPiggybacked.close();
        noopsMerged.close();
        ksmHeadersIn.close();
    }
}
