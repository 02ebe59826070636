package io.jsocklnd.pcap;

/**
 * Thrown when a capture file or a captured frame is malformed or truncated; names the field and the absolute
 * file offset where it was expected.
 *
 * <p>The message is lowercase {@code key=value} text, e.g.
 * {@code truncated capture: field=pcap.incl_len offset=40 need=16 available=3}.
 */
public final class CaptureFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String field;
    private final long offset;
    private final boolean truncation;

    /**
     * @param problem what is wrong, e.g. {@code truncated capture}.
     * @param field   the field, prefixed by its structure, e.g. {@code pcapng.block_total_length}.
     * @param offset  absolute file offset of the field.
     * @param detail  extra {@code key=value} pairs, or {@code null}.
     */
    public CaptureFormatException(final String problem, final String field, final long offset, final String detail)
    {
        super(problem + ": field=" + field + " offset=" + offset + (detail == null ? "" : " " + detail));
        this.field = field;
        this.offset = offset;
        this.truncation = problem.startsWith("truncated");
    }

    /**
     * @return true when the input ended before the field, false when the field holds a bad value.
     */
    public boolean isTruncation()
    {
        return truncation;
    }

    /**
     * @return the field that was malformed or missing.
     */
    public String field()
    {
        return field;
    }

    /**
     * @return absolute file offset of that field.
     */
    public long offset()
    {
        return offset;
    }
}
