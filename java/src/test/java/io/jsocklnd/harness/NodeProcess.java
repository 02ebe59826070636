package io.jsocklnd.harness;

import io.jsocklnd.lnd.NodeConfig;
import io.jsocklnd.wire.Nid;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM, driven over stdin/stdout one line at a time (logs go to stderr). Started with
 * {@code --nid NID [--protocol N] [--legacy N] [--reconnect-ms MS] [--hello-latency-ms MS]} (the last sets
 * {@link NodeConfig#simulatedHelloLatency}, test only); answers {@code READY nid} and then:
 * <pre>
 *   warmup PEER                  -> WARM | ERROR text
 *   send PEER COUNT SEED         -> SENDING            (plan of COUNT messages from SEED, on its own thread)
 *   await PEER COUNT TIMEOUT_MS  -> RESULT receiver-words sender-words | ERROR text
 *   connections PEER             -> CONNECTIONS TYPE Vn,TYPE Vn,...
 *   counters PEER                -> COUNTERS label=value;...   (the acceptor's and those naming PEER)
 *   disconnect PEER              -> DISCONNECTED       (every connection to PEER closed, as lctl disconnect)
 *   restart NID LEGACY           -> READY nid          (node closed, a new one started: new NID, new incarnation)
 *   quit                         -> BYE, then exit
 * </pre>
 */
public final class NodeProcess
{
    private static long lastIncarnation;
    private static long helloLatencyMs;

    private NodeProcess()
    {
    }

    private static NodeConfig config(final String nid, final int protocol, final int legacy, final long reconnectMs)
    {
        lastIncarnation = Math.max(lastIncarnation + 1, System.currentTimeMillis() * 1_000_000L);
        final NodeConfig config = new NodeConfig().nid(nid).reconnect(reconnectMs, 10 * reconnectMs, TimeUnit.MILLISECONDS)
            .incarnation(lastIncarnation).simulatedHelloLatency(helloLatencyMs, TimeUnit.MILLISECONDS);
        return legacy != 0 ? config.legacyProtocol(legacy) : config.protocolVersion(protocol);
    }

    public static void main(final String[] args) throws Exception
    {
        String nid = null;
        int protocol = 3;
        int legacy = 0;
        long reconnectMs = 200;
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--nid":
                    nid = args[i + 1];
                    break;
                case "--protocol":
                    protocol = Integer.parseInt(args[i + 1]);
                    break;
                case "--legacy":
                    legacy = Integer.parseInt(args[i + 1]);
                    break;
                case "--reconnect-ms":
                    reconnectMs = Long.parseLong(args[i + 1]);
                    break;
                case "--hello-latency-ms":
                    helloLatencyMs = Long.parseLong(args[i + 1]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option: " + args[i]);
            }
        }
        if (null == nid)
        {
            throw new IllegalArgumentException("--nid is required");
        }

        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        TrafficEndpoint endpoint = TrafficEndpoint.start(config(nid, protocol, legacy, reconnectMs), 1 << 20);
        try
        {
            out.println("READY " + nid);
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            TrafficSender sender = null;
            String line;
            while ((line = in.readLine()) != null)
            {
                final String[] words = line.trim().split(" ");
                switch (words[0])
                {
                    case "warmup":
                    {
                        final String problem = endpoint.warmUp(Nid.parse(words[1]), 10_000);
                        out.println(null == problem ? "WARM" : "ERROR " + problem);
                        break;
                    }
                    case "send":
                    {
                        final Traffic plan = Traffic.plan(Long.parseLong(words[3]), Integer.parseInt(words[2]));
                        sender = endpoint.send(Nid.parse(words[1]), plan, 60_000);
                        out.println("SENDING");
                        break;
                    }
                    case "await":
                    {
                        final long peer = Nid.parse(words[1]);
                        final int count = Integer.parseInt(words[2]);
                        final TrafficSender running = sender;
                        final TrafficEndpoint current = endpoint;
                        final boolean done = Await.until(() -> current.receiver().report(count, peer, 1024).received >= count &&
                            (null == running || running.finished()), Long.parseLong(words[3]));
                        final CheckingReceiver.Report report = endpoint.receiver().report(count, peer, 1024);
                        out.println((done ? "RESULT " : "ERROR timeout ") + report +
                            " small_type=" + typeOf(endpoint, report.smallConnections) +
                            " large_type=" + typeOf(endpoint, report.largeConnections) +
                            (null == running ? "" : " " + running.summary() + " sender_perfect=" + running.perfect()));
                        break;
                    }
                    case "connections":
                        out.println("CONNECTIONS " + String.join(",", endpoint.connectionTypes(Nid.parse(words[1]))));
                        break;
                    case "counters":
                    {
                        final String peer = " " + words[1] + " ";
                        final StringBuilder text = new StringBuilder("COUNTERS ");
                        for (final Map.Entry<String, Long> e : endpoint.node().counters().entrySet())
                        {
                            if (e.getKey().startsWith("acceptor ") || e.getKey().contains(peer))
                            {
                                text.append(e.getKey()).append('=').append(e.getValue()).append(';');
                            }
                        }
                        out.println(text);
                        break;
                    }
                    case "disconnect":
                        out.println(endpoint.node().disconnect(Nid.parse(words[1])) ? "DISCONNECTED" : "ERROR send ring full");
                        break;
                    case "restart":
                        endpoint.close();
                        sender = null;
                        nid = words[1];
                        endpoint = TrafficEndpoint.start(config(nid, protocol, Integer.parseInt(words[2]), reconnectMs), 1 << 14);
                        out.println("READY " + nid);
                        break;
                    case "quit":
                        out.println("BYE");
                        return;
                    default:
                        out.println("ERROR unknown command: " + words[0]);
                        break;
                }
            }
        }
        finally
        {
            endpoint.close();
        }
    }

    private static String typeOf(final TrafficEndpoint endpoint, final SortedSet<Long> connectionIds)
    {
        final String type = connectionIds.size() == 1 ? endpoint.typeOf(connectionIds.first()) : null;
        return null == type ? "-" : type;
    }
}
