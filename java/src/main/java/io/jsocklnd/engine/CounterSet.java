package io.jsocklnd.engine;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counters of one agent in shared memory: the agent allocates and updates them (single writer), any thread
 * reads them while the node runs. Hot-path observability is counters, never logs.
 */
public final class CounterSet
{
    private static final int MAX_COUNTERS = 4096;

    private final CountersManager manager;

    /**
     * Counters in their own direct buffers, room for 4096.
     */
    public CounterSet()
    {
        manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_COUNTERS * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_COUNTERS * CountersReader.COUNTER_LENGTH)));
    }

    AtomicCounter allocate(final String label)
    {
        return manager.newCounter(label);
    }

    /**
     * Read every live counter.
     *
     * @return label to value, in allocation order.
     */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        manager.forEach((counterId, typeId, keyBuffer, label) -> values.merge(label, manager.getCounterValue(counterId), Long::sum));
        return values;
    }
}
