package io.jsocklnd.cli;

import io.jsocklnd.decode.DecodedRecord;
import io.jsocklnd.decode.RecordKind;
import io.jsocklnd.decode.StreamDirection;
import io.jsocklnd.decode.StreamNodes;
import io.jsocklnd.decode.ZcCookieFlow;
import io.jsocklnd.wire.ConnTypes;
import io.jsocklnd.pcap.TcpConversation;
import io.jsocklnd.pcap.TcpDirection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code decode --summary} prints: one row per stream direction (nodes, endpoints, protocol version, byte
 * order, connection type announced in the sender's hello, bytes, records per kind and LNet type) and the ZC cookie
 * flow ({@link ZcCookieFlow}).
 */
public final class CaptureSummary
{
    /**
     * One direction of one stream.
     *
     * @param stream       stream index.
     * @param direction    c2s or s2c.
     * @param from         sending node.
     * @param to           receiving node.
     * @param fromEndpoint sender's address and port.
     * @param toEndpoint   receiver's address and port.
     * @param version      socklnd protocol version (0 when unknown).
     * @param byteOrder    {@code le}, {@code be} or {@code ?}.
     * @param ctype        connection type in the sender's hello ({@code kshm_ctype}), or {@code -} without one.
     * @param bytes        stream bytes in this direction.
     * @param counts       records per kind ({@code lnet} and {@code v1} split by LNet type, e.g. {@code PUT},
     *                     {@code v1 PUT}), in order of first appearance.
     */
    public record Direction(
        int stream, StreamDirection direction, String from, String to, String fromEndpoint, String toEndpoint,
        int version, String byteOrder, String ctype, long bytes, Map<String, Integer> counts)
    {
    }

    private final List<Direction> directions;
    private final ZcCookieFlow flow;
    private final int port;

    private CaptureSummary(final List<Direction> directions, final ZcCookieFlow flow, final int port)
    {
        this.directions = directions;
        this.flow = flow;
        this.port = port;
    }

    /**
     * @param conversations the dissected conversations.
     * @param records       their records, in capture order.
     * @param port          the acceptor port the conversations were selected by.
     * @return the summary.
     */
    public static CaptureSummary of(final List<TcpConversation> conversations, final List<DecodedRecord> records, final int port)
    {
        final StreamNodes nodes = StreamNodes.of(conversations, records);
        final List<Direction> directions = new ArrayList<>();
        for (final TcpConversation conversation : conversations)
        {
            for (final StreamDirection sense : StreamDirection.values())
            {
                directions.add(direction(conversation, sense, records, nodes));
            }
        }
        return new CaptureSummary(directions, ZcCookieFlow.analyse(records, nodes), port);
    }

    private static Direction direction(
        final TcpConversation conversation, final StreamDirection sense, final List<DecodedRecord> records,
        final StreamNodes nodes)
    {
        final int stream = conversation.streamIndex();
        final TcpDirection bytes = sense == StreamDirection.C2S ?
            conversation.clientToServer() : conversation.serverToClient();
        int helloVersion = 0;
        int version = 0;
        String order = null;
        String ctype = "-";
        final Map<String, Integer> counts = new LinkedHashMap<>();
        for (final DecodedRecord record : records)
        {
            if (record.stream() != stream || record.direction() != sense)
            {
                continue;
            }
            counts.merge(label(record), 1, Integer::sum);
            if (record.kind() == RecordKind.HELLO)
            {
                helloVersion = (int)record.number("version");
                order = record.text("byte_order");
                ctype = ConnTypes.name((int)record.number("ctype"));
            }
            else if (record.kind() != RecordKind.CONNREQ && record.has("version") && version == 0)
            {
                version = (int)record.number("version");
            }
            if (order == null && record.kind() != RecordKind.CONNREQ && record.has("byte_order"))
            {
                order = record.text("byte_order");
            }
        }
        final String from = sense == StreamDirection.C2S ? nodes.client(stream) : nodes.server(stream);
        final String to = sense == StreamDirection.C2S ? nodes.server(stream) : nodes.client(stream);
        return new Direction(stream, sense, from, to, bytes.source().toString(), bytes.destination().toString(),
            helloVersion != 0 ? helloVersion : version, order == null ? "?" : order, ctype, bytes.length(), counts);
    }

    private static String label(final DecodedRecord record)
    {
        switch (record.kind())
        {
            case LNET:
                return record.text("type");
            case V1:
                return "v1 " + record.text("type");
            default:
                return record.kind().text();
        }
    }

    /**
     * @return one entry per stream direction, in stream order, c2s first.
     */
    public List<Direction> directions()
    {
        return directions;
    }

    /**
     * @return the cookie flow.
     */
    public ZcCookieFlow flow()
    {
        return flow;
    }

    /**
     * @return the summary as text: the stream table, then the cookie flow tables.
     */
    public String render()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("Streams on port ").append(port).append(": ").append(directions.size() / 2).append('\n');
        final Table streams = new Table("STREAM", "DIR", "FROM", "TO", "VER", "ORDER", "CONN", "BYTES", "RECORDS");
        for (final Direction d : directions)
        {
            streams.row(d.stream(), d.direction().text(), d.from() + " " + d.fromEndpoint(), d.to() + " " + d.toEndpoint(),
                d.version() == 0 ? "?" : "V" + d.version(), d.byteOrder(), d.ctype(), d.bytes(),
                d.counts().isEmpty() ? "-" : d.counts().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        }
        sb.append(streams.render());

        sb.append("\nZC cookie flow: requests answered (").append(flow.matches().size()).append(")\n");
        if (!flow.matches().isEmpty())
        {
            final Table answered = new Table(
                "REQUESTER", "RESPONDER", "COOKIE", "REQUEST", "ACK", "CARRIER", "FORM", "ACK_COOKIES");
            for (final ZcCookieFlow.Match m : flow.matches())
            {
                answered.row(m.from(), m.to(), Long.toUnsignedString(m.cookie()), at(m.request()), at(m.ack().record()),
                    m.ack().carrier().text(), m.ack().form().text(), m.ack().cookies());
            }
            sb.append(answered.render());
        }
        sb.append("\nZC cookie flow: requests never answered (").append(flow.unanswered().size()).append(")\n");
        if (!flow.unanswered().isEmpty())
        {
            final Table open = new Table("REQUESTER", "RESPONDER", "COOKIE", "REQUEST");
            for (final ZcCookieFlow.Unanswered u : flow.unanswered())
            {
                open.row(u.from(), u.to(), Long.toUnsignedString(u.cookie()), at(u.request()));
            }
            sb.append(open.render());
        }
        sb.append("\nZC cookie flow: ACKs matching no request (").append(flow.unmatched().size()).append(")\n");
        if (!flow.unmatched().isEmpty())
        {
            final Table stray = new Table("FROM", "TO", "ACK", "CARRIER", "FORM", "ACK_COOKIES", "UNMATCHED");
            for (final ZcCookieFlow.Unmatched u : flow.unmatched())
            {
                final ZcCookieFlow.Ack ack = u.ack();
                stray.row(ack.from(), ack.to(), at(ack.record()), ack.carrier().text(), ack.form().text(), ack.cookies(),
                    u.cookies().isEmpty() ? u.missing() + " cookies" : u.cookies().stream()
                        .map(Long::toUnsignedString).collect(Collectors.joining(",")));
            }
            sb.append(stray.render());
        }
        if (!flow.keepalives().isEmpty())
        {
            sb.append("\nKeepalive NOOPs: ").append(flow.keepalives().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append('\n');
        }
        sb.append("\nREQUEST and ACK are stream/frame (the frame completing the message).\n");
        return sb.toString();
    }

    private static String at(final DecodedRecord record)
    {
        return record.stream() + "/" + record.lastFrame();
    }
}
