package io.jsocklnd.decode;

import io.jsocklnd.pcap.TcpConversation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The two nodes of each dissected stream, named by NID: the client's and server's from the hellos
 * ({@code kshm_src_nid}, {@code kshm_dst_nid}), else from the LNet headers of the stream ({@code src_nid} of a
 * message names its sender when no router is involved), else the endpoint's IP address.
 */
public final class StreamNodes
{
    private final Map<Integer, String> clients = new HashMap<>();
    private final Map<Integer, String> servers = new HashMap<>();

    private StreamNodes()
    {
    }

    /**
     * @param conversations the dissected conversations.
     * @param records       their records.
     * @return the node names of each stream.
     */
    public static StreamNodes of(final List<TcpConversation> conversations, final List<DecodedRecord> records)
    {
        final StreamNodes nodes = new StreamNodes();
        for (final DecodedRecord record : records)
        {
            if (record.kind() == RecordKind.HELLO && record.has("src_nid"))
            {
                final boolean fromClient = record.direction() == StreamDirection.C2S;
                (fromClient ? nodes.clients : nodes.servers).put(record.stream(), record.text("src_nid"));
                if (record.has("dst_nid") && !record.text("dst_nid").startsWith("0.0.0.0@"))
                {
                    (fromClient ? nodes.servers : nodes.clients).putIfAbsent(record.stream(), record.text("dst_nid"));
                }
            }
        }
        for (final DecodedRecord record : records)
        {
            if ((record.kind() == RecordKind.LNET || record.kind() == RecordKind.V1) && record.has("src_nid"))
            {
                final boolean fromClient = record.direction() == StreamDirection.C2S;
                (fromClient ? nodes.clients : nodes.servers).putIfAbsent(record.stream(), record.text("src_nid"));
            }
        }
        for (final TcpConversation conversation : conversations)
        {
            nodes.clients.putIfAbsent(conversation.streamIndex(), conversation.client().address().getHostAddress());
            nodes.servers.putIfAbsent(conversation.streamIndex(), conversation.server().address().getHostAddress());
        }
        return nodes;
    }

    /**
     * @param stream a stream index.
     * @return its client (active side) node.
     */
    public String client(final int stream)
    {
        return clients.getOrDefault(stream, "?");
    }

    /**
     * @param stream a stream index.
     * @return its server (passive side) node.
     */
    public String server(final int stream)
    {
        return servers.getOrDefault(stream, "?");
    }

    /**
     * @param record a record.
     * @return the node that sent it.
     */
    public String sender(final DecodedRecord record)
    {
        return record.direction() == StreamDirection.C2S ? client(record.stream()) : server(record.stream());
    }

    /**
     * @param record a record.
     * @return the node it went to.
     */
    public String receiver(final DecodedRecord record)
    {
        return record.direction() == StreamDirection.C2S ? server(record.stream()) : client(record.stream());
    }
}
