package io.jsocklnd.pcap;

import java.util.Arrays;
import java.util.Objects;

/**
 * One captured frame (a pcap record or a pcapng packet block) as read from the file.
 *
 * @param number         frame number, 1-based in file order like tshark's {@code frame.number}.
 * @param interfaceId    pcapng interface id (0 for classic pcap).
 * @param linkType       link type of the frame's interface ({@link LinkType}).
 * @param timestampNs    capture time in nanoseconds since the epoch.
 * @param originalLength length on the wire ({@code frame.len}); at least {@code data.length}.
 * @param dataOffset     absolute file offset of the first captured byte.
 * @param data           captured bytes ({@code frame.cap_len} of them).
 */
public record CapturedFrame(
    int number, int interfaceId, int linkType, long timestampNs, int originalLength, long dataOffset, byte[] data)
{
    /**
     * @param number         frame number.
     * @param interfaceId    interface id.
     * @param linkType       link type.
     * @param timestampNs    timestamp.
     * @param originalLength length on the wire.
     * @param dataOffset     file offset of the data.
     * @param data           captured bytes.
     */
    public CapturedFrame
    {
        Objects.requireNonNull(data, "data");
    }

    /**
     * @return bytes captured ({@code frame.cap_len}).
     */
    public int capturedLength()
    {
        return data.length;
    }

    /**
     * @return true when the capture kept fewer bytes than were on the wire (snap length).
     */
    public boolean isTruncated()
    {
        return data.length < originalLength;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof CapturedFrame))
        {
            return false;
        }
        final CapturedFrame that = (CapturedFrame)o;
        return number == that.number && interfaceId == that.interfaceId && linkType == that.linkType &&
            timestampNs == that.timestampNs && originalLength == that.originalLength &&
            dataOffset == that.dataOffset && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode()
    {
        return 31 * Objects.hash(number, interfaceId, linkType, timestampNs, originalLength, dataOffset) +
            Arrays.hashCode(data);
    }

    @Override
    public String toString()
    {
        return "CapturedFrame{number=" + number + ", interfaceId=" + interfaceId + ", linkType=" +
            LinkType.name(linkType) + ", timestampNs=" + timestampNs + ", originalLength=" + originalLength +
            ", capturedLength=" + data.length + ", dataOffset=" + dataOffset + "}";
    }
}
