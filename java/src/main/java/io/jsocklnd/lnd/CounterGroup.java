package io.jsocklnd.lnd;

/**
 * The counters of one peer or one connection, registered in a {@link CounterSet} under a label prefix while
 * their owner lives ({@code "peer 10.0.0.1@tcp"}, {@code "conn#7 10.0.0.1@tcp CONTROL V3"}), each read as
 * {@code prefix + ' ' + name}. Closing it takes them out of the set.
 */
final class CounterGroup implements AutoCloseable
{
    private final CounterSet set;
    private final long key;
    private final String prefix;
    private final String[] names;
    private final Counter[] counters;

    CounterGroup(final CounterSet set, final long key, final String prefix, final String[] names)
    {
        this.set = set;
        this.key = key;
        this.prefix = prefix;
        this.names = names;
        this.counters = new Counter[names.length];
        for (int i = 0; i < counters.length; i++)
        {
            counters[i] = new Counter();
        }
    }

    /**
     * @param index position of the name given at registration.
     * @return that counter.
     */
    Counter counter(final int index)
    {
        return counters[index];
    }

    String prefix()
    {
        return prefix;
    }

    void forEach(final CounterSet.LabelledValue consumer)
    {
        for (int i = 0; i < counters.length; i++)
        {
            consumer.accept(prefix + ' ' + names[i], counters[i].get());
        }
    }

    public void close()
    {
        set.remove(key);
    }
}
