package io.jsocklnd.decode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V2;

/**
 * Follows the zero-copy cookies of dissected records: which ZC request ({@code ksm_zc_cookies[0]} of an LNET
 * message) each ACK answers ({@code ksm_zc_cookies[1]} piggybacked on an LNET message, or a NOOP carrying one
 * cookie, a pair or a range), which requests were never answered and which ACKs name cookies no request carried.
 *
 * <p>Cookies belong to a peer, not to a connection ({@code ksnp_zc_req_list}): a request sent from node S to
 * node R on any connection is answered by an ACK from R to S on any connection. Nodes are named by the NIDs of
 * the stream's hellos, else by the NIDs of its LNet headers, else by the endpoint's IP address. An ACK answers the
 * oldest unanswered earlier request with each cookie it names. A NOOP whose cookies are both 1 (or {@code [0]} 0
 * and {@code [1]} 1) is a V3/V4 keepalive and answers nothing; on a V2 stream it is taken as an ACK of cookie 1.
 */
public final class ZcCookieFlow
{
    /** Range ACKs naming more cookies than this list only the count of those that match no request. */
    public static final int MAX_LISTED_COOKIES = 64;

    /** What carried an ACK. */
    public enum Carrier
    {
        /** {@code ksm_zc_cookies[1]} of an LNET message. */
        PIGGYBACK,
        /** A NOOP. */
        NOOP;

        /**
         * @return lowercase name.
         */
        public String text()
        {
            return this == PIGGYBACK ? "piggyback" : "noop";
        }
    }

    /** How an ACK names its cookies. */
    public enum Form
    {
        /** One cookie. */
        SINGLE,
        /** Two cookies, {@code [0] > [1]}. */
        PAIR,
        /** Every cookie from {@code [0]} to {@code [1]}, {@code [0] < [1]}. */
        RANGE;

        /**
         * @return lowercase name.
         */
        public String text()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * An ACK as read from one record.
     *
     * @param record  the carrying record.
     * @param from    node sending the ACK (the request's receiver).
     * @param to      node receiving the ACK (the request's sender).
     * @param carrier piggyback or NOOP.
     * @param form    single, pair or range.
     * @param first   first cookie named (the single cookie, the larger of a pair, the low end of a range).
     * @param second  second cookie named (equal to {@code first} for a single one).
     */
    public record Ack(DecodedRecord record, String from, String to, Carrier carrier, Form form, long first, long second)
    {
        /**
         * @return how many cookies the ACK answers.
         */
        public long count()
        {
            switch (form)
            {
                case SINGLE:
                    return 1;
                case PAIR:
                    return 2;
                default:
                    return second - first + 1;
            }
        }

        /**
         * @return {@code 5}, {@code 7+5} (pair) or {@code 5..9} (range).
         */
        public String cookies()
        {
            switch (form)
            {
                case SINGLE:
                    return Long.toUnsignedString(first);
                case PAIR:
                    return Long.toUnsignedString(first) + "+" + Long.toUnsignedString(second);
                default:
                    return Long.toUnsignedString(first) + ".." + Long.toUnsignedString(second);
            }
        }

        boolean names(final long cookie)
        {
            switch (form)
            {
                case SINGLE:
                    return cookie == first;
                case PAIR:
                    return cookie == first || cookie == second;
                default:
                    return Long.compareUnsigned(cookie, first) >= 0 && Long.compareUnsigned(cookie, second) <= 0;
            }
        }
    }

    /**
     * A ZC request and the ACK that answers it.
     *
     * @param from    node that sent the request.
     * @param to      node that received it and sent the ACK.
     * @param cookie  the cookie.
     * @param request the LNET record carrying the request.
     * @param ack     the ACK.
     */
    public record Match(String from, String to, long cookie, DecodedRecord request, Ack ack)
    {
    }

    /**
     * A ZC request no captured ACK answers.
     *
     * @param from    node that sent it.
     * @param to      node it went to.
     * @param cookie  the cookie.
     * @param request the LNET record carrying it.
     */
    public record Unanswered(String from, String to, long cookie, DecodedRecord request)
    {
    }

    /**
     * An ACK naming cookies that no earlier unanswered request carried.
     *
     * @param ack     the ACK.
     * @param missing how many of its cookies match no request.
     * @param cookies those cookies, when the ACK names at most {@link #MAX_LISTED_COOKIES}; else empty.
     */
    public record Unmatched(Ack ack, long missing, List<Long> cookies)
    {
    }

    private record Pending(long cookie, DecodedRecord request)
    {
    }

    private final List<Match> matches = new ArrayList<>();
    private final List<Unanswered> unanswered = new ArrayList<>();
    private final List<Unmatched> unmatched = new ArrayList<>();
    private final Map<String, Integer> keepalives = new LinkedHashMap<>();

    private ZcCookieFlow()
    {
    }

    /**
     * @param records records in capture order (as {@link StreamDissector#dissect} returns them).
     * @param nodes   the two node names of each stream.
     * @return the cookie flow.
     */
    public static ZcCookieFlow analyse(final List<DecodedRecord> records, final StreamNodes nodes)
    {
        Objects.requireNonNull(nodes, "nodes");
        final ZcCookieFlow flow = new ZcCookieFlow();
        final Map<String, List<Pending>> pending = new LinkedHashMap<>();
        for (final DecodedRecord record : records)
        {
            if (record.kind() != RecordKind.LNET && record.kind() != RecordKind.NOOP)
            {
                continue;
            }
            final String sender = nodes.sender(record);
            final String receiver = nodes.receiver(record);
            final long req = record.number("zc_req_cookie");
            final long ack = record.number("zc_ack_cookie");
            if (record.kind() == RecordKind.NOOP)
            {
                if (ack != 0)
                {
                    final long c1 = req == 0 ? ack : req;
                    final boolean v2 = record.has("version") && record.number("version") == KSOCK_PROTO_V2;
                    if (ack == 1 && c1 == 1 && !v2)
                    {
                        flow.keepalives.merge(sender + " -> " + receiver, 1, Integer::sum);
                        continue;
                    }
                    final Form form = c1 == ack ? Form.SINGLE :
                        Long.compareUnsigned(c1, ack) > 0 ? Form.PAIR : Form.RANGE;
                    flow.answer(pending, new Ack(record, sender, receiver, Carrier.NOOP, form, c1, ack));
                }
                continue;
            }
            if (ack != 0)
            {
                flow.answer(pending, new Ack(record, sender, receiver, Carrier.PIGGYBACK, Form.SINGLE, ack, ack));
            }
            if (req != 0)
            {
                pending.computeIfAbsent(key(sender, receiver), k -> new ArrayList<>()).add(new Pending(req, record));
            }
        }
        for (final Map.Entry<String, List<Pending>> entry : pending.entrySet())
        {
            final String[] ends = entry.getKey().split("\n", 2);
            for (final Pending p : entry.getValue())
            {
                flow.unanswered.add(new Unanswered(ends[0], ends[1], p.cookie(), p.request()));
            }
        }
        return flow;
    }

    private void answer(final Map<String, List<Pending>> pending, final Ack ack)
    {
        final List<Pending> waiting = pending.getOrDefault(key(ack.to(), ack.from()), List.of());
        final Map<Long, Boolean> found = new HashMap<>();
        final Iterator<Pending> it = waiting.iterator();
        while (it.hasNext() && found.size() < ack.count())
        {
            final Pending p = it.next();
            if (ack.names(p.cookie()) && !found.containsKey(p.cookie()))
            {
                found.put(p.cookie(), Boolean.TRUE);
                matches.add(new Match(ack.to(), ack.from(), p.cookie(), p.request(), ack));
                it.remove();
            }
        }
        final long missing = ack.count() - found.size();
        if (missing > 0)
        {
            final List<Long> cookies = new ArrayList<>();
            if (ack.count() <= MAX_LISTED_COOKIES)
            {
                if (ack.form() == Form.RANGE)
                {
                    for (long c = ack.first(); Long.compareUnsigned(c, ack.second()) <= 0 && c != 0; c++)
                    {
                        if (!found.containsKey(c))
                        {
                            cookies.add(c);
                        }
                    }
                }
                else
                {
                    for (final long c : ack.form() == Form.PAIR ?
                        new long[]{ack.first(), ack.second()} : new long[]{ack.first()})
                    {
                        if (!found.containsKey(c))
                        {
                            cookies.add(c);
                        }
                    }
                }
            }
            unmatched.add(new Unmatched(ack, missing, List.copyOf(cookies)));
        }
    }

    private static String key(final String from, final String to)
    {
        return from + "\n" + to;
    }

    /**
     * @return every request answered, in the order of the ACKs (then of the requests).
     */
    public List<Match> matches()
    {
        return matches;
    }

    /**
     * @return requests never answered, by direction then capture order.
     */
    public List<Unanswered> unanswered()
    {
        return unanswered;
    }

    /**
     * @return ACKs with cookies that match no request, in capture order.
     */
    public List<Unmatched> unmatched()
    {
        return unmatched;
    }

    /**
     * @return keepalive NOOPs per direction ({@code "A -> B"}).
     */
    public Map<String, Integer> keepalives()
    {
        return keepalives;
    }
}
