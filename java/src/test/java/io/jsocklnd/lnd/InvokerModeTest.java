package io.jsocklnd.lnd;

import io.jsocklnd.harness.Await;
import io.jsocklnd.harness.CheckingReceiver;
import io.jsocklnd.harness.Traffic;
import io.jsocklnd.harness.TrafficEndpoint;
import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In invoker mode a node has no threads of its own: nothing happens until the caller runs
 * {@link Node#doWork()}, and then the handshake, the sends, the receives and the completions all run on
 * the calling thread.
 */
@Timeout(30)
class InvokerModeTest
{
    private static final String A = "127.0.39.1@tcp";
    private static final String B = "127.0.39.2@tcp";
    private static final long A_NID = Nid.parse(A);
    private static final long B_NID = Nid.parse(B);
    private static final List<String> BUNDLE = List.of("BULK_IN V3", "BULK_OUT V3", "CONTROL V3");
    private static final int MAX_CYCLES = 1_000_000;

    @Test
    void shouldHandshakeAndDeliverSendsOnlyOnTheThreadThatRunsDoWork() throws Exception
    {
        final Set<String> threadsBefore = agentThreads();
        try (TrafficEndpoint a = TrafficEndpoint.start(config(A), 16);
            TrafficEndpoint b = TrafficEndpoint.start(config(B), 16))
        {
            // Threads of other tests' nodes may still be ending: no new one may appear.
            assertNoNewAgentThread(threadsBefore, "invoker mode starts no agent threads");
            final Traffic plan = Traffic.plan(39, 4);
            final List<long[]> completions = new ArrayList<>();
            final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
            for (int i = 0; i < plan.count(); i++)
            {
                Traffic.putHeader(header, A_NID, B_NID, i, plan.size(i), plan.crc(i));
                assertTrue(a.node().send(B_NID, WireConstants.LNET_PID_LUSTRE, header, 0, plan.payloadAddress(i), plan.size(i), i));
            }

            Await.sleep(100);
            assertEquals(0L, b.node().counters().get("acceptor accepted"), "nothing happens without doWork");
            assertTrue(a.node().connections().isEmpty());

            final int cycles = drive(a, b, () ->
            {
                a.node().pollCompletions((id, status) -> completions.add(new long[]{id, status}), 16);
                return completions.size() == plan.count() && b.receiver().count() == plan.count() &&
                    a.connectionTypes(B_NID).equals(BUNDLE) && b.connectionTypes(A_NID).equals(BUNDLE);
            });
            System.out.println("InvokerModeTest: handshake and " + plan.count() + " sends in " + cycles + " cycles");

            assertSame(Thread.currentThread(), b.receiver().lastThread(), "payload delivered on the calling thread");
            final CheckingReceiver.Report report = b.receiver().report(plan.count(), A_NID, 1024);
            assertTrue(report.perfect(), report.toString());
            assertEquals(plan.count(), report.received);
            for (final long[] completion : completions)
            {
                assertEquals(0, completion[1], "status of send " + completion[0]);
            }
            assertNoNewAgentThread(threadsBefore, "none started while driven");
        }
    }

    @Test
    void shouldRefuseDoWorkOnANodeWithItsOwnThreads() throws Exception
    {
        try (Node node = Node.start(TestNodes.config("127.0.39.3@tcp"), new CheckingReceiver(1)))
        {
            assertThrows(IllegalStateException.class, node::doWork);
        }
    }

    private static int drive(final TrafficEndpoint a, final TrafficEndpoint b, final BooleanSupplier done)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int cycle = 1; cycle <= MAX_CYCLES && System.nanoTime() - deadlineNs < 0; cycle++)
        {
            a.node().doWork();
            b.node().doWork();
            if (done.getAsBoolean())
            {
                return cycle;
            }
        }
        throw new AssertionError("not done: a=" + a.node().connections() + " b=" + b.node().connections() +
            " b received " + b.receiver().count());
    }

    private static void assertNoNewAgentThread(final Set<String> before, final String message)
    {
        final Set<String> started = agentThreads();
        started.removeAll(before);
        assertTrue(started.isEmpty(), message + ": " + started);
    }

    private static Set<String> agentThreads()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("jsocklnd"))
            .map(t -> t.getName() + "#" + t.getId())
            .collect(Collectors.toCollection(HashSet::new));
    }

    private static NodeConfig config(final String nid)
    {
        return TestNodes.config(nid).threadingMode(NodeConfig.ThreadingMode.INVOKER);
    }
}
