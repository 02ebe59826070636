package io.jsocklnd.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * Runs plans both ways between two endpoints and says what went wrong, if anything.
 */
public final class Exchange
{
    private Exchange()
    {
    }

    /**
     * Send {@code ab} from a to b and {@code ba} from b to a, both starting at the same moment, wait for every message and
     * completion, and check them: intact, once, from the right NID, in order per size class, every send
     * completed once with status 0; in order per connection, and per size class if asked.
     *
     * @param a         one endpoint.
     * @param b         the other.
     * @param ab        a's plan.
     * @param ba        b's plan.
     * @param timeoutMs most time for the whole exchange.
     * @param classOrder whether to require order per size class (only when the bundle is up beforehand).
     * @return null if all is well, else the problems.
     */
    public static String both(
        final TrafficEndpoint a,
        final TrafficEndpoint b,
        final Traffic ab,
        final Traffic ba,
        final long timeoutMs,
        final boolean classOrder)
    {
        final CyclicBarrier startGate = new CyclicBarrier(2);
        final TrafficSender sendAB = a.send(b.nid(), ab, timeoutMs, startGate);
        final TrafficSender sendBA = b.send(a.nid(), ba, timeoutMs, startGate);
        final boolean done = Await.until(() -> sendAB.finished() && sendBA.finished() &&
            b.receiver().report(ab.base(), ab.count(), a.nid(), 1024).received >= ab.count() &&
            a.receiver().report(ba.base(), ba.count(), b.nid(), 1024).received >= ba.count(), timeoutMs);
        final List<String> problems = new ArrayList<>();
        if (!done)
        {
            problems.add("not finished in " + timeoutMs + " ms");
        }
        check(problems, "a->b", sendAB, b.receiver().report(ab.base(), ab.count(), a.nid(), 1024), ab.count(), classOrder);
        check(problems, "b->a", sendBA, a.receiver().report(ba.base(), ba.count(), b.nid(), 1024), ba.count(), classOrder);
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static void check(
        final List<String> problems,
        final String direction,
        final TrafficSender sender,
        final CheckingReceiver.Report report,
        final int count,
        final boolean classOrder)
    {
        if (!sender.perfect())
        {
            problems.add(direction + " sends: " + sender.summary());
        }
        if (!(classOrder ? report.perfectInClassOrder() : report.perfect()) || report.received != count)
        {
            problems.add(direction + " arrivals: " + report);
        }
    }
}
