package io.jsocklnd.pcap;

import java.util.Arrays;
import java.util.List;

/**
 * One direction of a TCP conversation reassembled into a contiguous byte sequence in sequence-number order:
 * retransmitted and overlapping segments contribute each byte once (the first capture of it wins), segments
 * that arrived out of order are put in place, and bytes never captured are listed as gaps.
 *
 * <p>Stream offset 0 is the byte after the SYN's sequence number when the SYN was captured, otherwise the
 * lowest sequence number of any captured payload (a capture that starts mid-stream).
 */
public final class TcpDirection
{
    /**
     * Bytes of the stream first delivered by one frame.
     *
     * @param frameNumber the frame.
     * @param offset      stream offset of the first byte.
     * @param length      number of bytes.
     */
    public record Chunk(int frameNumber, int offset, int length)
    {
        /**
         * @return stream offset just past the last byte.
         */
        public int end()
        {
            return offset + length;
        }
    }

    /**
     * One frame that carried payload in this direction, new or retransmitted.
     *
     * @param frameNumber   the frame.
     * @param offset        stream offset of its first payload byte (negative if it lies before offset 0).
     * @param payloadLength payload bytes on the wire.
     * @param captured      payload bytes captured.
     */
    public record Segment(int frameNumber, int offset, int payloadLength, int captured)
    {
        /**
         * @return stream offset just past its last payload byte.
         */
        public int end()
        {
            return offset + payloadLength;
        }
    }

    /**
     * Stream bytes that no captured frame carried.
     *
     * @param offset stream offset of the first missing byte.
     * @param length number of missing bytes.
     */
    public record Gap(int offset, int length)
    {
        /**
         * @return stream offset just past the last missing byte.
         */
        public int end()
        {
            return offset + length;
        }
    }

    /**
     * A retransmission whose bytes differ from those captured first for the same stream offsets.
     *
     * @param frameNumber the retransmitting frame.
     * @param offset      stream offset of the first differing byte.
     */
    public record Conflict(int frameNumber, int offset)
    {
    }

    private final Endpoint source;
    private final Endpoint destination;
    private final boolean synSeen;
    private final long initialSequence;
    private final long baseSequence;
    private final boolean finSeen;
    private final boolean rstSeen;
    private final byte[] data;
    private final List<Chunk> chunks;
    private final List<Segment> segments;
    private final List<Gap> gaps;
    private final List<Conflict> conflicts;
    private final int frameCount;
    private final long frameBytes;
    private final long payloadBytes;

    TcpDirection(
        final Endpoint source,
        final Endpoint destination,
        final boolean synSeen,
        final long initialSequence,
        final long baseSequence,
        final boolean finSeen,
        final boolean rstSeen,
        final byte[] data,
        final List<Chunk> chunks,
        final List<Segment> segments,
        final List<Gap> gaps,
        final List<Conflict> conflicts,
        final int frameCount,
        final long frameBytes,
        final long payloadBytes)
    {
        this.source = source;
        this.destination = destination;
        this.synSeen = synSeen;
        this.initialSequence = initialSequence;
        this.baseSequence = baseSequence;
        this.finSeen = finSeen;
        this.rstSeen = rstSeen;
        this.data = data;
        this.chunks = List.copyOf(chunks);
        this.segments = List.copyOf(segments);
        this.gaps = List.copyOf(gaps);
        this.conflicts = List.copyOf(conflicts);
        this.frameCount = frameCount;
        this.frameBytes = frameBytes;
        this.payloadBytes = payloadBytes;
    }

    /**
     * @return the sender of this direction.
     */
    public Endpoint source()
    {
        return source;
    }

    /**
     * @return the receiver of this direction.
     */
    public Endpoint destination()
    {
        return destination;
    }

    /**
     * @return true when this direction's SYN was captured, so offset 0 is the very first byte sent.
     */
    public boolean synSeen()
    {
        return synSeen;
    }

    /**
     * @return the SYN's sequence number (ISN), or -1 when no SYN was captured.
     */
    public long initialSequence()
    {
        return initialSequence;
    }

    /**
     * @return the sequence number of stream offset 0.
     */
    public long baseSequence()
    {
        return baseSequence;
    }

    /**
     * @return true when a FIN was captured in this direction.
     */
    public boolean finSeen()
    {
        return finSeen;
    }

    /**
     * @return true when a RST was captured in this direction.
     */
    public boolean rstSeen()
    {
        return rstSeen;
    }

    /**
     * @return number of stream bytes from offset 0 to the end of the last payload (gaps included).
     */
    public int length()
    {
        return data.length;
    }

    /**
     * @return a copy of the stream bytes; gap bytes read as zero.
     */
    public byte[] bytes()
    {
        return data.clone();
    }

    /**
     * @param offset stream offset.
     * @return the byte there (zero inside a gap).
     */
    public byte byteAt(final int offset)
    {
        return data[offset];
    }

    /**
     * @return which frame first delivered which bytes, ordered by stream offset.
     */
    public List<Chunk> chunks()
    {
        return chunks;
    }

    /**
     * @return every frame with payload in this direction, in frame order.
     */
    public List<Segment> segments()
    {
        return segments;
    }

    /**
     * @return bytes no frame carried, ordered by stream offset.
     */
    public List<Gap> gaps()
    {
        return gaps;
    }

    /**
     * @return retransmissions that disagree with the bytes first captured.
     */
    public List<Conflict> conflicts()
    {
        return conflicts;
    }

    /**
     * @return frames sent in this direction, payload or not.
     */
    public int frameCount()
    {
        return frameCount;
    }

    /**
     * @return sum of the wire lengths ({@code frame.len}) of those frames.
     */
    public long frameBytes()
    {
        return frameBytes;
    }

    /**
     * @return sum of their TCP payload lengths ({@code tcp.len}), retransmissions included.
     */
    public long payloadBytes()
    {
        return payloadBytes;
    }

    /**
     * @param offset stream offset.
     * @param length number of bytes.
     * @return true when every byte of the range was captured.
     */
    public boolean isCaptured(final int offset, final int length)
    {
        if (offset < 0 || length < 0 || offset + length > data.length)
        {
            return false;
        }
        for (final Gap gap : gaps)
        {
            if (gap.offset() < offset + length && gap.end() > offset)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param offset stream offset.
     * @return the frame that first delivered that byte, or -1 inside a gap or outside the stream.
     */
    public int frameAt(final int offset)
    {
        final int index = chunkIndex(offset);
        if (index < 0)
        {
            return -1;
        }
        final Chunk chunk = chunks.get(index);
        return offset < chunk.end() ? chunk.frameNumber() : -1;
    }

    /**
     * The frame where the range starts: the one that delivered its first byte (if that byte is in a gap, the
     * lowest-numbered frame that delivered any byte of the range).
     *
     * @param offset stream offset of a range.
     * @param length its length (at least 1).
     * @return the frame number, or -1 if no frame delivered a byte of the range.
     */
    public int firstFrame(final int offset, final int length)
    {
        final int frame = frameAt(offset);
        return frame != -1 ? frame : frameBound(offset, length, true);
    }

    /**
     * The frame where the range becomes complete, as tshark reports a reassembled PDU in the frame that brings
     * its last missing byte.
     *
     * @param offset stream offset of a range.
     * @param length its length (at least 1).
     * @return the highest frame number that delivered a byte of the range, or -1 if none did.
     */
    public int lastFrame(final int offset, final int length)
    {
        return frameBound(offset, length, false);
    }

    private int frameBound(final int offset, final int length, final boolean lowest)
    {
        final int end = offset + Math.max(1, length);
        int index = Math.max(0, chunkIndex(offset));
        int result = -1;
        for (; index < chunks.size() && chunks.get(index).offset() < end; index++)
        {
            final Chunk chunk = chunks.get(index);
            if (chunk.end() > offset)
            {
                final int frame = chunk.frameNumber();
                if (result == -1 || (lowest ? frame < result : frame > result))
                {
                    result = frame;
                }
            }
        }
        return result;
    }

    private int chunkIndex(final int offset)
    {
        int low = 0;
        int high = chunks.size() - 1;
        int found = -1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            if (chunks.get(mid).offset() <= offset)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found;
    }

    @Override
    public String toString()
    {
        return "TcpDirection{" + source + " -> " + destination + ", synSeen=" + synSeen + ", length=" + data.length +
            ", frames=" + frameCount + ", gaps=" + gaps + ", conflicts=" + conflicts + ", head=" +
            Arrays.toString(Arrays.copyOf(data, Math.min(8, data.length))) + "}";
    }
}
