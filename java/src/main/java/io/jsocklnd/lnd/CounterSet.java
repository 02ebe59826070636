package io.jsocklnd.lnd;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Counters of one agent, readable from any thread while the node runs: the agent allocates and updates them
 * (single writer). The agent's own totals sit in an Agrona {@link CountersManager} of fixed size; the counters
 * of each peer and connection come and go with them as {@link CounterGroup}s, so a node that sees any number
 * of peers over its life never runs out. Hot-path observability is counters, never logs.
 */
final class CounterSet
{
    private static final int MAX_AGENT_COUNTERS = 128;

    /**
     * Receives one counter of a snapshot.
     */
    @FunctionalInterface
    interface LabelledValue
    {
        void accept(String label, long value);
    }

    private final CountersManager manager;
    private final ConcurrentSkipListMap<Long, CounterGroup> groups = new ConcurrentSkipListMap<>();
    private long nextKey;

    /**
     * Counters in their own direct buffers, room for {@value #MAX_AGENT_COUNTERS} agent totals.
     */
    public CounterSet()
    {
        manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_AGENT_COUNTERS * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_AGENT_COUNTERS * CountersReader.COUNTER_LENGTH)));
    }

    /**
     * An agent total, kept for the life of the node.
     */
    AtomicCounter allocate(final String label)
    {
        return manager.newCounter(label);
    }

    /**
     * Register the counters of a peer or a connection (owner thread only), listed after those registered
     * before them.
     *
     * @param prefix label prefix.
     * @param names  counter names, in the order {@link CounterGroup#counter(int)} takes.
     * @return the group, to close when its owner goes.
     */
    CounterGroup group(final String prefix, final String[] names)
    {
        final long key = nextKey++;
        final CounterGroup group = new CounterGroup(this, key, prefix, names);
        groups.put(key, group);
        return group;
    }

    void remove(final long key)
    {
        groups.remove(key);
    }

    /**
     * Read every live counter: agent totals first, then peers and connections in the order they came.
     *
     * @return label to value (values of the same label summed).
     */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        manager.forEach((counterId, typeId, keyBuffer, label) -> values.merge(label, manager.getCounterValue(counterId), Long::sum));
        final LabelledValue add = (label, value) -> values.merge(label, value, Long::sum);
        for (final CounterGroup group : groups.values())
        {
            group.forEach(add);
        }
        return values;
    }
}
