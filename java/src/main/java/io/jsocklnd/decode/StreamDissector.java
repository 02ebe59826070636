package io.jsocklnd.decode;

import io.jsocklnd.pcap.Capture;
import io.jsocklnd.pcap.TcpConversation;
import io.jsocklnd.pcap.TcpDirection;
import io.jsocklnd.wire.AcceptorRequestFlyweight;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeader;
import io.jsocklnd.wire.LnetHeader16Flyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_HELLO;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_ACCEPTOR_VERSION;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_MAGIC;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_TCP_MAGIC;

/**
 * Dissects the socklnd protocol in captured TCP conversations.
 *
 * <p>Each direction starts with an optional acceptor request then a hello when its beginning was captured (the
 * passive side may also answer with a connreq). Messages after the hellos are framed by the version of the
 * passive side's reply when captured, else of the active side's hello (a passive node answers in the version it
 * accepted, {@code ksocknal_recv_hello}), each direction in its own sender's byte order. A direction whose start
 * was not captured is resynchronised on the first chain of plausible messages ({@link Resynchroniser}); the bytes
 * before it become a {@link RecordKind#SKIPPED} record. Malformed bytes become one {@link RecordKind#ERROR} record
 * covering the rest of the direction, which is not decoded further.
 */
public final class StreamDissector
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private StreamDissector()
    {
    }

    /**
     * @param capture a capture.
     * @return records of every TCP conversation, ordered by the frame that completes them (as tshark lists
     * PDUs), then stream, direction and offset.
     */
    public static List<DecodedRecord> dissect(final Capture capture)
    {
        return dissect(capture.conversations());
    }

    /**
     * @param conversations conversations.
     * @return their records, ordered as {@link #dissect(Capture)} orders them.
     */
    public static List<DecodedRecord> dissect(final List<TcpConversation> conversations)
    {
        final List<Keyed> all = new ArrayList<>();
        for (final TcpConversation conversation : conversations)
        {
            all.addAll(walk(conversation));
        }
        return sorted(all);
    }

    /**
     * @param conversation one conversation.
     * @return its records, ordered as {@link #dissect(Capture)} orders them.
     */
    public static List<DecodedRecord> dissect(final TcpConversation conversation)
    {
        return sorted(walk(conversation));
    }

    private record Keyed(int sortFrame, int sequence, DecodedRecord record)
    {
    }

    private static List<DecodedRecord> sorted(final List<Keyed> keyed)
    {
        keyed.sort(Comparator.comparingInt(Keyed::sortFrame)
            .thenComparingInt(k -> k.record().stream())
            .thenComparing(k -> k.record().direction())
            .thenComparingInt(Keyed::sequence));
        final List<DecodedRecord> records = new ArrayList<>(keyed.size());
        for (final Keyed k : keyed)
        {
            records.add(k.record());
        }
        return records;
    }

    private static List<Keyed> walk(final TcpConversation conversation)
    {
        final Walker c2s = new Walker(conversation.streamIndex(), StreamDirection.C2S, conversation.clientToServer());
        final Walker s2c = new Walker(conversation.streamIndex(), StreamDirection.S2C, conversation.serverToClient());
        c2s.readStart();
        s2c.readStart();
        final int version;
        if (s2c.helloVersion != 0)
        {
            version = s2c.helloVersion;
        }
        else
        {
            version = c2s.helloVersion;
        }
        c2s.readMessages(version);
        s2c.readMessages(version);
        final List<Keyed> out = new ArrayList<>(c2s.out);
        out.addAll(s2c.out);
        return out;
    }

    /**
     * Walks one direction.
     */
    private static final class Walker
    {
        private final int stream;
        private final StreamDirection sense;
        private final TcpDirection direction;
        private final UnsafeBuffer buffer;
        private final int length;
        private final List<Keyed> out = new ArrayList<>();
        private final AcceptorRequestFlyweight connreq = new AcceptorRequestFlyweight();
        private final HelloFlyweight hello = new HelloFlyweight();
        private final KsockMsgFlyweight ksock = new KsockMsgFlyweight();
        private final LnetHeaderFlyweight nid4Header = new LnetHeaderFlyweight();
        private final LnetHeader16Flyweight nid16Header = new LnetHeader16Flyweight();
        private int position;
        private boolean stopped;
        private int helloVersion;
        private ByteOrder helloOrder;
        private int version;
        private Framing framing;
        private ByteOrder order;
        private int lastFrame;
        private String startCut;

        Walker(final int stream, final StreamDirection sense, final TcpDirection direction)
        {
            this.stream = stream;
            this.sense = sense;
            this.direction = direction;
            this.buffer = new UnsafeBuffer(direction.bytes());
            this.length = direction.length();
        }

        void readStart()
        {
            if (length == 0 || !direction.isCaptured(0, Math.min(4, length)))
            {
                return;
            }
            final int magic = length >= 4 ? buffer.getInt(0, LE) : 0;
            final boolean acceptor = magic == LNET_PROTO_ACCEPTOR_MAGIC || magic == Integer.reverseBytes(LNET_PROTO_ACCEPTOR_MAGIC);
            final boolean helloMagic = magic == LNET_PROTO_MAGIC || magic == Integer.reverseBytes(LNET_PROTO_MAGIC) ||
                magic == LNET_PROTO_TCP_MAGIC;
            if (!acceptor && !helloMagic && !direction.synSeen())
            {
                return;
            }
            if (!helloMagic)
            {
                // At the true start of a stream the acceptor takes only a connreq (lnet_accept); anything else is
                // reported against acr_magic.
                readConnreq();
                if (stopped || startCut != null || position == length)
                {
                    return;
                }
            }
            readHello();
        }

        void readMessages(final int negotiatedVersion)
        {
            if (stopped || position >= length)
            {
                return;
            }
            final Framing known = negotiatedVersion == 0 ? null : Framing.of(negotiatedVersion);
            version = negotiatedVersion;
            if (helloVersion != 0)
            {
                framing = known;
                order = known == Framing.V1 ? LE : helloOrder;
            }
            else
            {
                final TcpDirection.Gap gap = startCut == null ? gapFrom(position, 1) : gapFrom(position, length - position);
                if (gap != null)
                {
                    skipGap(gap, startCut == null ? "bytes not captured" : startCut + " cut by missing bytes", known);
                }
                else
                {
                    resynchronise(known, position == 0 && !direction.synSeen() ?
                        "capture starts mid-stream" : "no hello at the start of the stream");
                }
            }
            while (!stopped && position < length)
            {
                final TcpDirection.Gap gap = gapFrom(position, 1);
                if (gap != null)
                {
                    skipGap(gap, "bytes not captured", framing);
                    continue;
                }
                try
                {
                    if (framing == Framing.V1)
                    {
                        readV1();
                    }
                    else
                    {
                        readKsock();
                    }
                }
                catch (final ProtocolException ex)
                {
                    error(ex);
                }
                catch (final RuntimeException ex)
                {
                    internalError(ex);
                }
            }
        }

        private boolean resynchronise(final Framing hint, final String why)
        {
            final int from = position;
            final Resynchroniser.Sync sync = new Resynchroniser(buffer, direction, length).find(from, hint);
            if (sync == null)
            {
                emit(RecordKind.SKIPPED, from, length - from, reasonOnly(why + ": no socklnd framing found"));
                position = length;
                stopped = true;
                return false;
            }
            if (sync.offset() > from)
            {
                emit(RecordKind.SKIPPED, from, sync.offset() - from, reasonOnly(
                    why + ": " + framingName(sync.framing()) + " framing found at stream_offset=" + sync.offset()));
            }
            position = sync.offset();
            framing = sync.framing();
            order = sync.order();
            if (version == 0 && framing == Framing.KSOCK_NID16)
            {
                version = KSOCK_PROTO_V4;
            }
            return true;
        }

        private void skipGap(final TcpDirection.Gap gap, final String why, final Framing hint)
        {
            final int from = position;
            position = gap.end();
            emit(RecordKind.GAP, from, position - from, reasonOnly(
                why + ": missing=" + gap.offset() + ".." + gap.end()));
            if (position < length)
            {
                resynchronise(hint, "after missing bytes");
            }
        }

        private TcpDirection.Gap gapFrom(final int from, final int count)
        {
            for (final TcpDirection.Gap gap : direction.gaps())
            {
                if (gap.offset() < from + count && gap.end() > from)
                {
                    return gap;
                }
            }
            return null;
        }

        /**
         * Bytes captured without a gap from {@code from}: a structure that runs into missing bytes is left to the
         * resynchronisation instead of being reported as malformed.
         */
        private int capturedFrom(final int from)
        {
            for (final TcpDirection.Gap gap : direction.gaps())
            {
                if (gap.end() > from)
                {
                    return Math.max(0, gap.offset() - from);
                }
            }
            return length - from;
        }

        private boolean cutByGap(final ProtocolException ex)
        {
            return "length".equals(ex.field()) && position + capturedFrom(position) < length;
        }

        private void readConnreq()
        {
            try
            {
                connreq.wrap(buffer, position, capturedFrom(position));
                final Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("magic", hex32(LNET_PROTO_ACCEPTOR_MAGIC));
                fields.put("byte_order", orderText(connreq.byteOrder()));
                fields.put("version", u32(connreq.version()));
                fields.put("nid", connreq.version() == LNET_PROTO_ACCEPTOR_VERSION ?
                    Nid.toString(connreq.nid4()) : connreq.nid().toString());
                emit(RecordKind.CONNREQ, position, connreq.length(), fields);
                position += connreq.length();
            }
            catch (final ProtocolException ex)
            {
                if (cutByGap(ex))
                {
                    startCut = "connreq";
                    return;
                }
                error(ex);
            }
        }

        private void readHello()
        {
            try
            {
                hello.wrap(buffer, position, capturedFrom(position));
                final int helloVersion = hello.version();
                final boolean v1 = helloVersion == KSOCK_PROTO_V1;
                final boolean v4 = helloVersion == KSOCK_PROTO_V4;
                final Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("magic", hex32(v1 ? LNET_PROTO_TCP_MAGIC : LNET_PROTO_MAGIC));
                fields.put("byte_order", orderText(hello.byteOrder()));
                fields.put("version", u32(helloVersion));
                fields.put("src_nid", v4 ? hello.srcLargeNid().toString() : Nid.toString(hello.srcNid()));
                if (!v1)
                {
                    fields.put("dst_nid", v4 ? hello.dstLargeNid().toString() : Nid.toString(hello.dstNid()));
                }
                fields.put("src_pid", u32(hello.srcPid()));
                fields.put("dst_pid", u32(hello.dstPid()));
                fields.put("src_incarnation", new DecodedRecord.U64(hello.srcIncarnation(), false));
                if (!v1)
                {
                    fields.put("dst_incarnation", new DecodedRecord.U64(hello.dstIncarnation(), false));
                }
                fields.put("ctype", hello.ctype());
                fields.put("nips", u32(hello.nips()));
                final List<String> ips = new ArrayList<>();
                for (int i = 0; i < (v4 ? 0 : hello.nips()); i++)
                {
                    ips.add(ipv4Text(hello.ip(i)));
                }
                fields.put("ips", List.copyOf(ips));
                if (v1)
                {
                    fields.put("type", typeName(LNET_MSG_HELLO));
                    fields.put("payload_length", u32(4 * hello.nips()));
                }
                emit(RecordKind.HELLO, position, hello.length(), fields);
                position += hello.length();
                this.helloVersion = helloVersion;
                this.helloOrder = hello.byteOrder();
            }
            catch (final ProtocolException ex)
            {
                if (cutByGap(ex))
                {
                    startCut = "hello";
                    return;
                }
                error(ex);
            }
        }

        private void readKsock()
        {
            final TcpDirection.Gap headerGap = gapFrom(position, KsockMsgFlyweight.LENGTH);
            if (headerGap != null)
            {
                skipGap(headerGap, "ksock header cut by missing bytes", framing);
                return;
            }
            ksock.wrap(buffer, position, length - position, order);
            final Map<String, Object> fields = new LinkedHashMap<>();
            if (version != 0)
            {
                fields.put("version", u32(version));
            }
            fields.put("byte_order", orderText(order));
            fields.put("ksm_type", hex32(ksock.type()));
            fields.put("csum", u32(ksock.csum()));
            fields.put("zc_req_cookie", new DecodedRecord.U64(ksock.zcCookie0(), false));
            fields.put("zc_ack_cookie", new DecodedRecord.U64(ksock.zcCookie1(), false));
            if (ksock.type() == KSOCK_MSG_NOOP)
            {
                emit(RecordKind.NOOP, position, KsockMsgFlyweight.LENGTH, fields);
                position += KsockMsgFlyweight.LENGTH;
                return;
            }
            final int headerAt = position + KsockMsgFlyweight.LENGTH;
            final int headerLength = framing.lnetHeaderLength();
            final TcpDirection.Gap lnetGap = gapFrom(headerAt, headerLength);
            if (lnetGap != null)
            {
                skipGap(lnetGap, "lnet header cut by missing bytes", framing);
                return;
            }
            final int total = lnetFields(headerAt, fields, KsockMsgFlyweight.LENGTH);
            emit(RecordKind.LNET, position, total, fields);
            position += total;
        }

        private void readV1()
        {
            final TcpDirection.Gap headerGap = gapFrom(position, LnetHeaderFlyweight.LENGTH);
            if (headerGap != null)
            {
                skipGap(headerGap, "lnet header cut by missing bytes", framing);
                return;
            }
            final Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("version", u32(KSOCK_PROTO_V1));
            final int total = lnetFields(position, fields, 0);
            emit(RecordKind.V1, position, total, fields);
            position += total;
        }

        private int lnetFields(final int headerAt, final Map<String, Object> fields, final int before)
        {
            final int available = length - headerAt;
            final LnetHeader<?> header;
            if (framing == Framing.KSOCK_NID16)
            {
                nid16Header.wrap(buffer, headerAt, available);
                fields.put("dst_nid", nid16Header.destNid().toString());
                fields.put("src_nid", nid16Header.srcNid().toString());
                header = nid16Header;
            }
            else
            {
                nid4Header.wrap(buffer, headerAt, available);
                fields.put("dst_nid", Nid.toString(nid4Header.destNid()));
                fields.put("src_nid", Nid.toString(nid4Header.srcNid()));
                header = nid4Header;
            }
            final int total = before + header.messageLength();
            if (total > length - position)
            {
                throw ProtocolException.shortBuffer("truncated lnet message", length - position, total);
            }
            fields.put("dst_pid", u32(header.destPid()));
            fields.put("src_pid", u32(header.srcPid()));
            final int type = header.type();
            fields.put("type", typeName(type));
            fields.put("payload_length", u32(header.payloadLength()));
            fields.put("interface_cookie", new DecodedRecord.U64(header.wmdInterfaceCookie(), true));
            fields.put("object_cookie", new DecodedRecord.U64(header.wmdObjectCookie(), true));
            switch (type)
            {
                case LNET_MSG_ACK:
                    fields.put("match_bits", new DecodedRecord.U64(header.matchBits(), true));
                    fields.put("mlength", u32(header.ackMlength()));
                    break;

                case LNET_MSG_PUT:
                    fields.put("match_bits", new DecodedRecord.U64(header.matchBits(), true));
                    fields.put("hdr_data", new DecodedRecord.U64(header.putHdrData(), true));
                    fields.put("portal", u32(header.putPtlIndex()));
                    fields.put("offset", u32(header.putOffset()));
                    break;

                case LNET_MSG_GET:
                    fields.put("match_bits", new DecodedRecord.U64(header.matchBits(), true));
                    fields.put("portal", u32(header.getPtlIndex()));
                    fields.put("src_offset", u32(header.getSrcOffset()));
                    fields.put("sink_length", u32(header.getSinkLength()));
                    break;

                default:
                    break;
            }
            final int payloadAt = headerAt + header.length();
            if (gapFrom(payloadAt, header.payloadLength()) != null)
            {
                fields.put("payload_captured", Boolean.FALSE);
            }
            return total;
        }

        private void error(final ProtocolException ex)
        {
            final Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("reason", ex.getMessage());
            fields.put("field", ex.field());
            fields.put("value", new DecodedRecord.U64(ex.value(), false));
            emit(RecordKind.ERROR, position, length - position, fields);
            position = length;
            stopped = true;
        }

        private void internalError(final RuntimeException ex)
        {
            final Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("reason", "internal: " + ex);
            fields.put("field", "internal");
            fields.put("value", new DecodedRecord.U64(0, false));
            emit(RecordKind.ERROR, position, length - position, fields);
            position = length;
            stopped = true;
        }

        private void emit(final RecordKind kind, final int offset, final int size, final Map<String, Object> fields)
        {
            final int first = direction.firstFrame(offset, size);
            final int last = direction.lastFrame(offset, size);
            if (last != -1)
            {
                lastFrame = last;
            }
            out.add(new Keyed(last == -1 ? lastFrame : last, out.size(), new DecodedRecord(
                stream, sense, first, last, offset, size, kind, fields)));
        }
    }

    private static Map<String, Object> reasonOnly(final String reason)
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("reason", reason);
        return fields;
    }

    private static String framingName(final Framing framing)
    {
        switch (framing)
        {
            case KSOCK_NID4:
                return "ksock (v2/v3)";
            case KSOCK_NID16:
                return "ksock (v4)";
            default:
                return "v1";
        }
    }

    private static Long u32(final int value)
    {
        return value & 0xFFFF_FFFFL;
    }

    private static String hex32(final int value)
    {
        return "0x" + Integer.toHexString(value);
    }

    private static String orderText(final ByteOrder order)
    {
        return order == LE ? "le" : "be";
    }

    private static String ipv4Text(final int ip)
    {
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "." + (ip & 0xFF);
    }

    /**
     * @param type LNet header {@code type}.
     * @return {@code ACK}, {@code PUT}, {@code GET}, {@code REPLY}, {@code HELLO}, or the number.
     */
    public static String typeName(final int type)
    {
        switch (type)
        {
            case LNET_MSG_ACK:
                return "ACK";
            case LNET_MSG_PUT:
                return "PUT";
            case LNET_MSG_GET:
                return "GET";
            case LNET_MSG_REPLY:
                return "REPLY";
            case LNET_MSG_HELLO:
                return "HELLO";
            default:
                return Integer.toUnsignedString(type);
        }
    }
}
