package io.jsocklnd.harness;

import io.jsocklnd.node.NodeConfig;
import io.jsocklnd.wire.Nid;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM, driven over stdin/stdout one line at a time (logs go to stderr). Started with
 * {@code --nid NID [--protocol N]}; answers {@code READY nid} and then:
 * <pre>
 *   warmup PEER                  -> WARM | ERROR text
 *   send PEER COUNT SEED         -> SENDING            (plan of COUNT messages from SEED, on its own thread)
 *   await PEER COUNT TIMEOUT_MS  -> RESULT receiver-words sender-words | ERROR text
 *   connections PEER             -> CONNECTIONS TYPE Vn,TYPE Vn,...
 *   quit                         -> BYE, then exit
 * </pre>
 */
public final class NodeProcess
{
    private NodeProcess()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        String nid = null;
        int protocol = 3;
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
                default:
                    throw new IllegalArgumentException("unknown option: " + args[i]);
            }
        }
        if (null == nid)
        {
            throw new IllegalArgumentException("--nid is required");
        }

        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        final NodeConfig config = new NodeConfig().nid(nid).protocolVersion(protocol)
            .reconnect(200, 2000, TimeUnit.MILLISECONDS);
        try (TrafficEndpoint endpoint = TrafficEndpoint.start(config, 1 << 20))
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
                        final boolean done = Await.until(() -> endpoint.receiver().report(count, peer, 1024).received >= count &&
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
                    case "quit":
                        out.println("BYE");
                        return;
                    default:
                        out.println("ERROR unknown command: " + words[0]);
                        break;
                }
            }
        }
    }

    private static String typeOf(final TrafficEndpoint endpoint, final SortedSet<Long> connectionIds)
    {
        final String type = connectionIds.size() == 1 ? endpoint.typeOf(connectionIds.first()) : null;
        return null == type ? "-" : type;
    }
}
