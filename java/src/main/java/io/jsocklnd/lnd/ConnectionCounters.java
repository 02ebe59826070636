package io.jsocklnd.lnd;

/**
 * Data-path counters of one connection, freed when it closes.
 */
final class ConnectionCounters implements AutoCloseable
{
    private static final String[] NAMES = {
        "bytes_in", "bytes_out", "msgs_in", "msgs_out", "noops_in", "noops_out", "zc_acks_piggybacked", "zc_noops_merged", "ksm_headers_in"};

    private final CounterGroup group;
    final Counter bytesIn;
    final Counter bytesOut;
    final Counter msgsIn;
    final Counter msgsOut;
    final Counter noopsIn;
    final Counter noopsOut;
    final Counter acksPiggybacked;
    final Counter noopsMerged;
    final Counter ksmHeadersIn;

    ConnectionCounters(final CounterSet set, final String label)
    {
        group = set.group(label, NAMES);
        bytesIn = group.counter(0);
        bytesOut = group.counter(1);
        msgsIn = group.counter(2);
        msgsOut = group.counter(3);
        noopsIn = group.counter(4);
        noopsOut = group.counter(5);
        acksPiggybacked = group.counter(6);
        noopsMerged = group.counter(7);
        ksmHeadersIn = group.counter(8);
    }

    String label()
    {
        return group.prefix();
    }

    public void close()
    {
        group.close();
    }
}
