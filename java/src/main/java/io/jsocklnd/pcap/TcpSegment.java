package io.jsocklnd.pcap;

import java.util.Arrays;
import java.util.Objects;

/**
 * The TCP part of one captured frame.
 *
 * @param frameNumber   frame number (1-based).
 * @param frameLength   frame length on the wire ({@code frame.len}).
 * @param source        sender.
 * @param destination   receiver.
 * @param sequence      {@code tcp.seq} as on the wire (unsigned 32-bit).
 * @param acknowledgment {@code tcp.ack} as on the wire (unsigned 32-bit).
 * @param flags         the 12 flag bits ({@link #FIN} .. {@link #NS}).
 * @param payload       the captured payload bytes.
 * @param payloadLength payload length on the wire ({@code tcp.len}); more than {@code payload.length} when the
 *                      capture cut the frame short.
 */
public record TcpSegment(
    int frameNumber,
    int frameLength,
    Endpoint source,
    Endpoint destination,
    long sequence,
    long acknowledgment,
    int flags,
    byte[] payload,
    int payloadLength)
{
    /** FIN flag. */
    public static final int FIN = 0x001;
    /** SYN flag. */
    public static final int SYN = 0x002;
    /** RST flag. */
    public static final int RST = 0x004;
    /** PSH flag. */
    public static final int PSH = 0x008;
    /** ACK flag. */
    public static final int ACK = 0x010;
    /** URG flag. */
    public static final int URG = 0x020;
    /** ECE flag. */
    public static final int ECE = 0x040;
    /** CWR flag. */
    public static final int CWR = 0x080;
    /** NS (AccECN) flag. */
    public static final int NS = 0x100;

    /**
     * @param frameNumber    frame number.
     * @param frameLength    frame length.
     * @param source         sender.
     * @param destination    receiver.
     * @param sequence       sequence number.
     * @param acknowledgment acknowledgment number.
     * @param flags          flags.
     * @param payload        captured payload.
     * @param payloadLength  payload length on the wire.
     */
    public TcpSegment
    {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(payload, "payload");
        if (payloadLength < payload.length)
        {
            throw new IllegalArgumentException(
                "payload longer than on the wire: captured=" + payload.length + " payloadLength=" + payloadLength);
        }
    }

    /**
     * @param flag one of the flag constants.
     * @return true when set.
     */
    public boolean has(final int flag)
    {
        return (flags & flag) != 0;
    }

    /**
     * @return true for a SYN without ACK: the active open.
     */
    public boolean isSynOnly()
    {
        return has(SYN) && !has(ACK);
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof TcpSegment))
        {
            return false;
        }
        final TcpSegment that = (TcpSegment)o;
        return frameNumber == that.frameNumber && frameLength == that.frameLength && sequence == that.sequence &&
            acknowledgment == that.acknowledgment && flags == that.flags && payloadLength == that.payloadLength &&
            source.equals(that.source) && destination.equals(that.destination) && Arrays.equals(payload, that.payload);
    }

    @Override
    public int hashCode()
    {
        return 31 * Objects.hash(frameNumber, frameLength, source, destination, sequence, acknowledgment, flags,
            payloadLength) + Arrays.hashCode(payload);
    }

    @Override
    public String toString()
    {
        return "TcpSegment{frame=" + frameNumber + ", " + source + " -> " + destination + ", seq=" + sequence +
            ", ack=" + acknowledgment + ", flags=0x" + Integer.toHexString(flags) + ", len=" + payloadLength +
            (payload.length < payloadLength ? ", captured=" + payload.length : "") + "}";
    }
}
