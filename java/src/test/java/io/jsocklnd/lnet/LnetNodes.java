package io.jsocklnd.lnet;

import io.jsocklnd.harness.Await;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Test support: LNet nodes on loopback addresses and bounded collection of their events.
 */
final class LnetNodes
{
    private LnetNodes()
    {
    }

    static Lnet start(final String nid) throws Exception
    {
        return Lnet.start(new NodeConfig().nid(nid).port(WireConstants.LNET_ACCEPT_PORT)
            .reconnect(200, 2000, TimeUnit.MILLISECONDS));
    }

    /** Collects the events of one node, polling it (which also drives its completions). */
    static final class Collector
    {
        final Lnet lnet;
        final List<Recorded> events = new ArrayList<>();

        Collector(final Lnet lnet)
        {
            this.lnet = lnet;
        }

        /** Poll until an event satisfies the predicate or the time is up; returns it or null. */
        Recorded await(final Predicate<Recorded> predicate, final long timeoutMs)
        {
            final Recorded[] found = new Recorded[1];
            Await.until(() ->
            {
                for (final Recorded r : events)
                {
                    if (predicate.test(r))
                    {
                        found[0] = r;
                        return true;
                    }
                }
                lnet.poll(e -> events.add(Recorded.of(e)), 100);
                return false;
            }, timeoutMs);
            return found[0];
        }

        Recorded await(final LnetEventType type, final long timeoutMs)
        {
            return await(r -> r.type() == type, timeoutMs);
        }

        /** Poll for a while and return every event of that type seen so far. */
        List<Recorded> settle(final long ms)
        {
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            for (int i = 0; i < 100_000 && System.nanoTime() - end < 0; i++)
            {
                lnet.poll(e -> events.add(Recorded.of(e)), 100);
                Await.sleep(1);
            }
            return events;
        }

        List<Recorded> ofType(final LnetEventType type)
        {
            final List<Recorded> list = new ArrayList<>();
            for (final Recorded r : events)
            {
                if (r.type() == type)
                {
                    list.add(r);
                }
            }
            return list;
        }
    }

    static UnsafeBuffer direct(final int length)
    {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(length));
    }

    static UnsafeBuffer pattern(final int length, final int seed)
    {
        final UnsafeBuffer b = direct(length);
        for (int i = 0; i < length; i++)
        {
            b.putByte(i, (byte)(i * 31 + seed));
        }
        return b;
    }
}
