package io.jsocklnd.decode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One record of a dissected socklnd stream: where it lies (stream, direction, frames, stream offset and length),
 * what it is ({@link RecordKind}), and its fields named as Lustre names them, without the struct prefix.
 *
 * <p>Keys by kind (absent keys do not apply):
 * <ul>
 *   <li>connreq: {@code magic}, {@code byte_order}, {@code version} ({@code acr_version}), {@code nid}
 *       ({@code acr_nid}, the target).</li>
 *   <li>hello: {@code magic}, {@code byte_order}, {@code version} (socklnd protocol 1..4), {@code src_nid},
 *       {@code dst_nid}, {@code src_pid}, {@code dst_pid}, {@code src_incarnation}, {@code dst_incarnation},
 *       {@code ctype}, {@code nips}, {@code ips} (V1 has no {@code dst_nid}/{@code dst_incarnation} but has
 *       {@code type} and {@code payload_length}).</li>
 *   <li>noop, lnet: {@code version} (when known), {@code byte_order}, {@code ksm_type}, {@code csum},
 *       {@code zc_req_cookie} ({@code ksm_zc_cookies[0]}), {@code zc_ack_cookie} ({@code ksm_zc_cookies[1]}).</li>
 *   <li>lnet, v1 (LNet header): {@code dst_nid} ({@code dest_nid}), {@code src_nid}, {@code dst_pid}
 *       ({@code dest_pid}), {@code src_pid}, {@code type} (ACK, PUT, GET, REPLY, HELLO), {@code payload_length},
 *       the wire handle {@code interface_cookie}, {@code object_cookie} ({@code wh_*} of {@code dst_wmd},
 *       {@code ack_wmd}, {@code return_wmd}), and per type {@code match_bits}, {@code mlength} (ACK),
 *       {@code hdr_data}, {@code portal} ({@code ptl_index}), {@code offset} (PUT), {@code portal},
 *       {@code src_offset}, {@code sink_length} (GET).</li>
 *   <li>error: {@code reason}, {@code field}, {@code value} (from the codec's {@code ProtocolException}).</li>
 *   <li>skipped, gap: {@code reason}.</li>
 * </ul>
 * Values are {@link Integer} (signed 32-bit, e.g. {@code ctype} -1 = NONE), {@link Long} (unsigned 32-bit),
 * {@link U64} (64-bit), {@link String} (NIDs in Lustre's text form, {@code type}, {@code byte_order}, magics and
 * {@code ksm_type} in hex) or a list of strings ({@code ips}).
 */
public final class DecodedRecord
{
    /**
     * A 64-bit field, rendered as a string so that JSON readers keep every bit.
     *
     * @param bits the value's bit pattern.
     * @param hex  whether it reads better in hex (match bits, handles, {@code hdr_data}) than in decimal.
     */
    public record U64(long bits, boolean hex)
    {
        /**
         * @return {@code 0x} and 16 hex digits, or the unsigned decimal value.
         */
        @Override
        public String toString()
        {
            return hex ? String.format("0x%016x", bits) : Long.toUnsignedString(bits);
        }
    }

    private final int stream;
    private final StreamDirection direction;
    private final int firstFrame;
    private final int lastFrame;
    private final int streamOffset;
    private final int streamLength;
    private final RecordKind kind;
    private final Map<String, Object> fields;

    DecodedRecord(
        final int stream,
        final StreamDirection direction,
        final int firstFrame,
        final int lastFrame,
        final int streamOffset,
        final int streamLength,
        final RecordKind kind,
        final Map<String, Object> fields)
    {
        this.stream = stream;
        this.direction = Objects.requireNonNull(direction, "direction");
        this.firstFrame = firstFrame;
        this.lastFrame = lastFrame;
        this.streamOffset = streamOffset;
        this.streamLength = streamLength;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /**
     * @return the TCP stream index (tshark's {@code tcp.stream}).
     */
    public int stream()
    {
        return stream;
    }

    /**
     * @return the direction.
     */
    public StreamDirection direction()
    {
        return direction;
    }

    /**
     * @return the frame carrying the record's first byte (-1 if none was captured).
     */
    public int firstFrame()
    {
        return firstFrame;
    }

    /**
     * @return the frame that completes the record (the highest-numbered frame among those carrying its bytes);
     * tshark shows a reassembled PDU in that frame.
     */
    public int lastFrame()
    {
        return lastFrame;
    }

    /**
     * @return offset of the record's first byte in its direction of the stream.
     */
    public int streamOffset()
    {
        return streamOffset;
    }

    /**
     * @return number of stream bytes the record covers (headers and payload).
     */
    public int streamLength()
    {
        return streamLength;
    }

    /**
     * @return the kind.
     */
    public RecordKind kind()
    {
        return kind;
    }

    /**
     * @return every field, in rendering order.
     */
    public Map<String, Object> fields()
    {
        return fields;
    }

    /**
     * @param key a field key.
     * @return true when the record has it.
     */
    public boolean has(final String key)
    {
        return fields.containsKey(key);
    }

    /**
     * @param key a numeric field key.
     * @return its value: signed for {@link Integer}, zero-extended for unsigned 32-bit, the bit pattern for 64-bit.
     * @throws IllegalArgumentException when absent or not a number.
     */
    public long number(final String key)
    {
        final Object value = fields.get(key);
        if (value instanceof Integer)
        {
            return (Integer)value;
        }
        if (value instanceof Long)
        {
            return (Long)value;
        }
        if (value instanceof U64)
        {
            return ((U64)value).bits();
        }
        throw new IllegalArgumentException("no numeric field: key=" + key + " kind=" + kind.text());
    }

    /**
     * @param key a text field key.
     * @return its text.
     * @throws IllegalArgumentException when absent or not text.
     */
    public String text(final String key)
    {
        final Object value = fields.get(key);
        if (value instanceof String)
        {
            return (String)value;
        }
        throw new IllegalArgumentException("no text field: key=" + key + " kind=" + kind.text());
    }

    /**
     * @param key a list field key.
     * @return its elements.
     * @throws IllegalArgumentException when absent or not a list.
     */
    @SuppressWarnings("unchecked")
    public List<String> list(final String key)
    {
        final Object value = fields.get(key);
        if (value instanceof List)
        {
            return (List<String>)value;
        }
        throw new IllegalArgumentException("no list field: key=" + key + " kind=" + kind.text());
    }

    /**
     * @return the record as one line of JSON (see {@link RecordJson}).
     */
    public String toJson()
    {
        return RecordJson.render(this);
    }

    @Override
    public String toString()
    {
        return toJson();
    }
}
