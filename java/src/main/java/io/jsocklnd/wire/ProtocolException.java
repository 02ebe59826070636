package io.jsocklnd.wire;

/**
 * Thrown when bytes received from a peer break the socklnd wire protocol; names the offending field and
 * the value found on the wire.
 *
 * <p>The message is lowercase {@code key=value} text, e.g. {@code bad hello: field=kshm_nips value=17 max=16}.
 * {@link #value()} is the raw wire value: unsigned 32-bit fields are zero-extended, 64-bit fields are kept as
 * their bit pattern. A short buffer is reported with {@code field=length}, {@code value} = bytes available.
 */
public final class ProtocolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String field;
    private final long value;

    /**
     * @param context what was being decoded, e.g. {@code bad hello}.
     * @param field   wire field name as Lustre spells it, e.g. {@code kshm_nips}.
     * @param value   value found on the wire.
     * @param detail  extra {@code key=value} pairs, or {@code null}.
     */
    public ProtocolException(final String context, final String field, final long value, final String detail)
    {
        this(context, field, value, Long.toString(value), detail);
    }

    private ProtocolException(
        final String context, final String field, final long value, final String valueText, final String detail)
    {
        super(context + ": field=" + field + " value=" + valueText + (detail == null ? "" : " " + detail));
        this.field = field;
        this.value = value;
    }

    /**
     * Same as the constructor but prints the value in hexadecimal (magics, NIDs).
     *
     * @param context what was being decoded.
     * @param field   wire field name.
     * @param value   value found on the wire.
     * @param detail  extra {@code key=value} pairs, or {@code null}.
     * @return the exception.
     */
    public static ProtocolException hex(final String context, final String field, final long value, final String detail)
    {
        return new ProtocolException(context, field, value, "0x" + Long.toHexString(value), detail);
    }

    /**
     * A buffer too short for the structure being decoded.
     *
     * @param context   what was being decoded.
     * @param available bytes available.
     * @param need      bytes needed.
     * @return the exception.
     */
    public static ProtocolException shortBuffer(final String context, final int available, final int need)
    {
        return new ProtocolException(context, "length", available, "need=" + need);
    }

    /**
     * @return the wire field that was wrong, as Lustre names it ({@code length} for a short buffer).
     */
    public String field()
    {
        return field;
    }

    /**
     * @return the value found on the wire (bytes available for a short buffer).
     */
    public long value()
    {
        return value;
    }
}
