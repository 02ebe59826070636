package io.jsocklnd.harness;

import io.jsocklnd.nativeio.DirectMemory;
import io.jsocklnd.nativeio.NativeIoException;
import io.jsocklnd.lnd.MessageHandler;
import io.jsocklnd.lnd.Node;
import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.WireConstants;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * One node of an exchange test with its checking receiver: warm-up, sending a plan, and reading the
 * connection set back from the node.
 */
public final class TrafficEndpoint implements AutoCloseable
{
    private static final int WARMUP_SMALL = 100;
    private static final int WARMUP_LARGE = 64 * 1024;

    private final Node node;
    private final CheckingReceiver receiver;
    private final long nid;
    private final UnsafeBuffer warmupPayload = DirectMemory.allocate(WARMUP_LARGE);
    private long warmups;

    private TrafficEndpoint(final Node node, final CheckingReceiver receiver, final long nid)
    {
        this.node = node;
        this.receiver = receiver;
        this.nid = nid;
        final byte[] bytes = new byte[WARMUP_LARGE];
        new SplittableRandom(nid).nextBytes(bytes);
        warmupPayload.putBytes(0, bytes);
    }

    /**
     * Start a node with a checking receiver.
     *
     * @param config   node settings.
     * @param capacity most messages the receiver records.
     * @return the endpoint.
     * @throws NativeIoException if the node cannot listen.
     */
    public static TrafficEndpoint start(final NodeConfig config, final int capacity) throws NativeIoException
    {
        return start(config, capacity, Node::start);
    }

    /**
     * Start a node with a checking receiver, the way {@code starter} starts nodes (a test of the LND passes one
     * that gives the node a clock of its own).
     *
     * @param config   settings.
     * @param capacity messages the receiver remembers.
     * @param starter  starts the node.
     * @return the endpoint.
     * @throws NativeIoException if the node cannot listen.
     */
    public static TrafficEndpoint start(final NodeConfig config, final int capacity, final Starter starter)
        throws NativeIoException
    {
        final CheckingReceiver receiver = new CheckingReceiver(capacity);
        return new TrafficEndpoint(starter.start(config, receiver), receiver, config.nid());
    }

    /**
     * Starts a node for a handler.
     */
    @FunctionalInterface
    public interface Starter
    {
        /**
         * @param config  settings.
         * @param handler the layer above.
         * @return the running node.
         * @throws NativeIoException if the node cannot listen.
         */
        Node start(NodeConfig config, MessageHandler handler) throws NativeIoException;
    }

    /**
     * @return the node.
     */
    public Node node()
    {
        return node;
    }

    /**
     * @return the receiver.
     */
    public CheckingReceiver receiver()
    {
        return receiver;
    }

    /**
     * @return this node's NID.
     */
    public long nid()
    {
        return nid;
    }

    /**
     * Send one small and one large warm-up message to a peer and wait for both completions.
     *
     * @param peerNid   the peer.
     * @param timeoutMs most time to wait.
     * @return null on success, else what went wrong.
     */
    public String warmUp(final long peerNid, final long timeoutMs)
    {
        final UnsafeBuffer header = DirectMemory.allocate(LnetHeaderFlyweight.LENGTH);
        final long[] statuses = {Long.MIN_VALUE, Long.MIN_VALUE};
        final long first = Traffic.WARMUP_FLAG | warmups;
        final int[] sizes = {WARMUP_SMALL, WARMUP_LARGE};
        for (int i = 0; i < 2; i++)
        {
            final long sequence = first + i;
            Traffic.putHeader(header, nid, peerNid, sequence, sizes[i], Traffic.crcOf(warmupPayload, 0, sizes[i]));
            if (!node.send(peerNid, WireConstants.LNET_PID_LUSTRE, header, 0, DirectMemory.address(warmupPayload, 0),
                sizes[i], sequence))
            {
                return "send ring full";
            }
        }
        warmups += 2;
        final boolean done = Await.until(() ->
        {
            node.pollCompletions((id, status) ->
            {
                final long k = id - first;
                if (k == 0 || k == 1)
                {
                    statuses[(int)k] = status;
                }
            }, 16);
            return statuses[0] != Long.MIN_VALUE && statuses[1] != Long.MIN_VALUE;
        }, timeoutMs);
        if (!done)
        {
            return "warm-up not completed: statuses=" + statuses[0] + "," + statuses[1];
        }
        return statuses[0] == 0 && statuses[1] == 0 ? null : "warm-up failed: statuses=" + statuses[0] + "," + statuses[1];
    }

    /**
     * Start sending a plan on its own thread.
     *
     * @param peerNid   the peer.
     * @param plan      the messages.
     * @param timeoutMs most time for sending and completions.
     * @return the running sender.
     */
    public TrafficSender send(final long peerNid, final Traffic plan, final long timeoutMs)
    {
        return send(peerNid, plan, timeoutMs, null);
    }

    /**
     * Start sending a plan on its own thread once every sender sharing {@code startGate} is ready.
     *
     * @param peerNid   the peer.
     * @param plan      the messages.
     * @param timeoutMs most time for sending and completions.
     * @param startGate shared by senders that must start together, or null.
     * @return the running sender.
     */
    public TrafficSender send(final long peerNid, final Traffic plan, final long timeoutMs, final CyclicBarrier startGate)
    {
        final TrafficSender sender = new TrafficSender(node, nid, peerNid, plan, timeoutMs, TimeUnit.MILLISECONDS, startGate);
        sender.start("sender-" + Nid.toString(nid));
        return sender;
    }

    /**
     * Connection types to one peer, from the node's connection list.
     *
     * @param peerNid the peer.
     * @return "TYPE Vn" for each live connection.
     */
    public List<String> connectionTypes(final long peerNid)
    {
        return connectionTypes(node, peerNid);
    }

    /**
     * Connection types a node has to one peer, from its connection list.
     *
     * @param node    the node.
     * @param peerNid the peer.
     * @return "TYPE Vn" for each live connection, sorted.
     */
    public static List<String> connectionTypes(final Node node, final long peerNid)
    {
        final String peer = " " + Nid.toString(peerNid) + " ";
        final List<String> types = new ArrayList<>();
        for (final String line : node.connections())
        {
            final int at = line.indexOf(peer);
            if (at > 0)
            {
                types.add(line.substring(at + peer.length()));
            }
        }
        types.sort(String::compareTo);
        return types;
    }

    /**
     * The type of a live connection.
     *
     * @param connectionId its id.
     * @return "CONTROL", "BULK_IN", ... or null if it is not live.
     */
    public String typeOf(final long connectionId)
    {
        final String prefix = "conn#" + connectionId + " ";
        for (final String line : node.connections())
        {
            if (line.startsWith(prefix))
            {
                final String[] words = line.split(" ");
                return words[2];
            }
        }
        return null;
    }

    /**
     * Stop the node; an exception that escaped one of its agents meanwhile (each is logged) fails the test here.
     */
    public void close()
    {
        node.close();
        final long agentErrors = node.counters().get("node agent_errors");
        if (agentErrors != 0)
        {
            throw new IllegalStateException(agentErrors + " exception(s) escaped the agents of " + Nid.toString(nid) +
                " (see the log)");
        }
    }
}
