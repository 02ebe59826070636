package io.jsocklnd.pcap;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups TCP segments into conversations and reassembles each direction.
 *
 * <p>Conversations are numbered in order of their first frame, like tshark's {@code tcp.stream}; a SYN without
 * ACK whose sequence number differs from the one already seen on the same address/port pair starts a new
 * conversation (port reuse), as tshark does.
 */
public final class TcpReassembler
{
    /** Default longest direction reassembled (bytes from offset 0 to the end of the last payload): 256 MiB. */
    public static final int MAX_DIRECTION_LENGTH = 1 << 28;

    private TcpReassembler()
    {
    }

    private record Key(Endpoint low, Endpoint high)
    {
        static Key of(final Endpoint a, final Endpoint b)
        {
            return a.toString().compareTo(b.toString()) <= 0 ? new Key(a, b) : new Key(b, a);
        }
    }

    private static final class Builder
    {
        final int index;
        final Endpoint a;
        final Endpoint b;
        final List<TcpSegment> fromA = new ArrayList<>();
        final List<TcpSegment> fromB = new ArrayList<>();
        final List<Integer> frames = new ArrayList<>();

        Builder(final int index, final Endpoint a, final Endpoint b)
        {
            this.index = index;
            this.a = a;
            this.b = b;
        }

        List<TcpSegment> from(final Endpoint source)
        {
            return source.equals(a) ? fromA : fromB;
        }

        boolean isNewConnection(final TcpSegment segment)
        {
            if (!segment.isSynOnly())
            {
                return false;
            }
            final List<TcpSegment> sent = from(segment.source());
            if (sent.isEmpty())
            {
                return false;
            }
            long reference = sent.get(0).sequence();
            for (final TcpSegment earlier : sent)
            {
                if (earlier.has(TcpSegment.SYN))
                {
                    reference = earlier.sequence();
                    break;
                }
            }
            return segment.sequence() != reference;
        }
    }

    /**
     * @param segments TCP segments in frame order.
     * @return the conversations, in stream-index order.
     * @throws IllegalArgumentException when a direction would span more than {@link #MAX_DIRECTION_LENGTH} bytes.
     */
    public static List<TcpConversation> reassemble(final List<TcpSegment> segments)
    {
        return reassemble(segments, MAX_DIRECTION_LENGTH);
    }

    /**
     * @param segments           TCP segments in frame order.
     * @param maxDirectionLength longest direction to reassemble, in bytes from offset 0 to the end of the last
     *                           payload (the reassembled bytes are held in memory).
     * @return the conversations, in stream-index order.
     * @throws IllegalArgumentException when a direction would be longer, naming the frame and its sequence number.
     */
    public static List<TcpConversation> reassemble(final List<TcpSegment> segments, final int maxDirectionLength)
    {
        return reassemble(segments, maxDirectionLength, TcpConversation.ACCEPTOR_PORT);
    }

    /**
     * @param segments           TCP segments in frame order.
     * @param maxDirectionLength longest direction to reassemble, in bytes from offset 0 to the end of the last
     *                           payload (the reassembled bytes are held in memory).
     * @param acceptorPort       port of the LNet acceptor: without a captured SYN, the side on it is the server.
     * @return the conversations, in stream-index order.
     * @throws IllegalArgumentException when a direction would be longer, naming the frame and its sequence number.
     */
    public static List<TcpConversation> reassemble(
        final List<TcpSegment> segments, final int maxDirectionLength, final int acceptorPort)
    {
        final Map<Key, Builder> open = new HashMap<>();
        final List<Builder> builders = new ArrayList<>();
        for (final TcpSegment segment : segments)
        {
            final Key key = Key.of(segment.source(), segment.destination());
            Builder builder = open.get(key);
            if (builder == null || builder.isNewConnection(segment))
            {
                builder = new Builder(builders.size(), segment.source(), segment.destination());
                builders.add(builder);
                open.put(key, builder);
            }
            builder.from(segment.source()).add(segment);
            builder.frames.add(segment.frameNumber());
        }
        final List<TcpConversation> conversations = new ArrayList<>(builders.size());
        for (final Builder builder : builders)
        {
            conversations.add(build(builder, maxDirectionLength, acceptorPort));
        }
        return conversations;
    }

    private static TcpConversation build(final Builder builder, final int maxDirectionLength, final int acceptorPort)
    {
        final TcpDirection aToB = direction(builder.a, builder.b, builder.fromA, maxDirectionLength);
        final TcpDirection bToA = direction(builder.b, builder.a, builder.fromB, maxDirectionLength);
        boolean clientIsA = true;
        TcpConversation.ClientRule rule = TcpConversation.ClientRule.FIRST_FRAME;
        final Boolean bySyn = clientBySyn(builder);
        if (bySyn != null)
        {
            clientIsA = bySyn;
            rule = TcpConversation.ClientRule.SYN;
        }
        else if ((builder.a.port() == acceptorPort) != (builder.b.port() == acceptorPort))
        {
            clientIsA = builder.b.port() == acceptorPort;
            rule = TcpConversation.ClientRule.ACCEPTOR_PORT;
        }
        return new TcpConversation(builder.index, aToB, bToA, clientIsA, rule, builder.frames);
    }

    private static Boolean clientBySyn(final Builder builder)
    {
        for (final TcpSegment segment : builder.fromA)
        {
            if (segment.has(TcpSegment.SYN))
            {
                return !segment.has(TcpSegment.ACK);
            }
        }
        for (final TcpSegment segment : builder.fromB)
        {
            if (segment.has(TcpSegment.SYN))
            {
                return segment.has(TcpSegment.ACK);
            }
        }
        return null;
    }

    private static int relative(final long sequence, final long base)
    {
        return (int)(sequence - base);
    }

    private static TcpDirection direction(
        final Endpoint source, final Endpoint destination, final List<TcpSegment> sent, final int maxDirectionLength)
    {
        boolean synSeen = false;
        long isn = -1;
        boolean finSeen = false;
        boolean rstSeen = false;
        long frameBytes = 0;
        long payloadBytes = 0;
        for (final TcpSegment segment : sent)
        {
            if (segment.has(TcpSegment.SYN) && !synSeen)
            {
                synSeen = true;
                isn = segment.sequence();
            }
            finSeen |= segment.has(TcpSegment.FIN);
            rstSeen |= segment.has(TcpSegment.RST);
            frameBytes += segment.frameLength();
            payloadBytes += segment.payloadLength();
        }

        long base = synSeen ? (isn + 1) & 0xFFFF_FFFFL : -1;
        if (!synSeen)
        {
            for (final TcpSegment segment : sent)
            {
                if (segment.payloadLength() > 0)
                {
                    final long start = dataSequence(segment);
                    if (base == -1 || relative(start, base) < 0)
                    {
                        base = start;
                    }
                }
            }
            if (base == -1)
            {
                base = sent.isEmpty() ? 0 : sent.get(0).sequence();
            }
        }

        long span = 0;
        final List<TcpDirection.Segment> segments = new ArrayList<>();
        for (final TcpSegment segment : sent)
        {
            if (segment.payloadLength() > 0)
            {
                final int offset = relative(dataSequence(segment), base);
                final long end = (long)offset + segment.payloadLength();
                if (end > maxDirectionLength)
                {
                    throw new IllegalArgumentException("tcp direction too long: frame=" + segment.frameNumber() +
                        " seq=" + segment.sequence() + " base=" + base + " end=" + end + " max=" + maxDirectionLength);
                }
                span = Math.max(span, end);
                segments.add(new TcpDirection.Segment(
                    segment.frameNumber(), offset, segment.payloadLength(), segment.payload().length));
            }
        }

        final byte[] data = new byte[(int)span];
        final BitSet covered = new BitSet((int)span);
        final List<TcpDirection.Chunk> chunks = new ArrayList<>();
        final List<TcpDirection.Conflict> conflicts = new ArrayList<>();
        for (final TcpSegment segment : sent)
        {
            if (segment.payloadLength() == 0)
            {
                continue;
            }
            final int offset = relative(dataSequence(segment), base);
            final byte[] payload = segment.payload();
            final int from = Math.max(0, offset);
            final int to = offset + payload.length;
            int at = from;
            while (at < to)
            {
                final int clear = covered.nextClearBit(at);
                if (clear > at)
                {
                    final int stop = Math.min(to, clear);
                    for (int i = at; i < stop; i++)
                    {
                        if (data[i] != payload[i - offset])
                        {
                            conflicts.add(new TcpDirection.Conflict(segment.frameNumber(), i));
                            break;
                        }
                    }
                    at = stop;
                    continue;
                }
                final int set = covered.nextSetBit(at);
                final int stop = set < 0 ? to : Math.min(to, set);
                System.arraycopy(payload, at - offset, data, at, stop - at);
                covered.set(at, stop);
                chunks.add(new TcpDirection.Chunk(segment.frameNumber(), at, stop - at));
                at = stop;
            }
        }
        chunks.sort((x, y) -> Integer.compare(x.offset(), y.offset()));

        final List<TcpDirection.Gap> gaps = new ArrayList<>();
        int at = covered.nextClearBit(0);
        while (at < span)
        {
            final int set = covered.nextSetBit(at);
            final int stop = set < 0 ? (int)span : set;
            gaps.add(new TcpDirection.Gap(at, stop - at));
            at = covered.nextClearBit(stop);
        }

        return new TcpDirection(source, destination, synSeen, isn, base, finSeen, rstSeen, data, chunks, segments, gaps,
            conflicts, sent.size(), frameBytes, payloadBytes);
    }

    private static long dataSequence(final TcpSegment segment)
    {
        return (segment.sequence() + (segment.has(TcpSegment.SYN) ? 1 : 0)) & 0xFFFF_FFFFL;
    }
}
