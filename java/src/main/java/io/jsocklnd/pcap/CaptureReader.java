package io.jsocklnd.pcap;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads classic pcap files (either byte order, microsecond or nanosecond timestamps) and pcapng files (sections in
 * either byte order, interface descriptions with their own link type, {@code if_tsresol} and {@code if_tsoffset},
 * enhanced, simple and obsolete packet blocks; other blocks are skipped).
 *
 * <p>Frames are numbered as tshark numbers them: custom blocks and systemd journal export blocks are records
 * that take a frame number too, so they are returned as frames of type {@link LinkType#NOT_A_PACKET}.
 */
public final class CaptureReader
{
    /** pcap magic, microsecond timestamps, as read in the writer's order. */
    public static final int PCAP_MAGIC_MICROS = 0xa1b2c3d4;
    /** pcap magic, nanosecond timestamps. */
    public static final int PCAP_MAGIC_NANOS = 0xa1b23c4d;
    /** pcapng Section Header Block type (a palindrome, the same in both byte orders). */
    public static final int PCAPNG_SHB = 0x0A0D0D0A;
    /** pcapng byte-order magic. */
    public static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    /** pcapng Interface Description Block type. */
    public static final int PCAPNG_IDB = 1;
    /** pcapng obsolete Packet Block type. */
    public static final int PCAPNG_OPB = 2;
    /** pcapng Simple Packet Block type. */
    public static final int PCAPNG_SPB = 3;
    /** pcapng Enhanced Packet Block type. */
    public static final int PCAPNG_EPB = 6;
    /** pcapng systemd Journal Export Block type. */
    public static final int PCAPNG_JOURNAL = 9;
    /** pcapng Custom Block type (copyable). */
    public static final int PCAPNG_CUSTOM = 0x00000BAD;
    /** pcapng Custom Block type (not to be copied). */
    public static final int PCAPNG_CUSTOM_NOCOPY = 0x40000BAD;
    /** pcapng option {@code if_tsresol}. */
    public static final int OPT_IF_TSRESOL = 9;
    /** pcapng option {@code if_tsoffset}. */
    public static final int OPT_IF_TSOFFSET = 14;

    /** Largest captured length accepted for one frame (as libpcap's maximum snap length rounded up). */
    public static final int MAX_FRAME_LENGTH = 1 << 28;

    private static final int PCAP_HEADER_LENGTH = 24;
    private static final int PCAP_RECORD_HEADER_LENGTH = 16;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private CaptureReader()
    {
    }

    /**
     * @param file a pcap or pcapng file.
     * @return its frames.
     * @throws IOException            when the file cannot be read.
     * @throws CaptureFormatException when it is malformed or truncated.
     */
    public static Capture read(final Path file) throws IOException
    {
        return parse(Files.readAllBytes(file));
    }

    /**
     * @param file the bytes of a pcap or pcapng file.
     * @return its frames.
     * @throws CaptureFormatException when it is malformed or truncated.
     */
    public static Capture parse(final byte[] file)
    {
        final ByteView view = new ByteView(file, file.length, 0, "capture");
        final int magic = view.i32(0, LE, "capture.magic");
        if (magic == PCAPNG_SHB)
        {
            return parsePcapng(file, view);
        }
        if (magic == PCAP_MAGIC_MICROS || magic == PCAP_MAGIC_NANOS)
        {
            return parsePcap(file, view, LE, magic == PCAP_MAGIC_NANOS);
        }
        if (magic == Integer.reverseBytes(PCAP_MAGIC_MICROS) || magic == Integer.reverseBytes(PCAP_MAGIC_NANOS))
        {
            return parsePcap(file, view, BE, magic == Integer.reverseBytes(PCAP_MAGIC_NANOS));
        }
        throw view.bad("capture.magic", 0, "value=0x" + Integer.toHexString(magic));
    }

    private static Capture parsePcap(final byte[] file, final ByteView view, final ByteOrder order, final boolean nanos)
    {
        view.require(0, PCAP_HEADER_LENGTH, "pcap.header");
        final int major = view.u16(4, order, "pcap.version_major");
        if (major != 2)
        {
            throw view.bad("pcap.version_major", 4, "value=" + major + " expected=2");
        }
        final int linkType = (int)(view.u32(20, order, "pcap.network") & 0xFFFF);
        final List<CapturedFrame> frames = new ArrayList<>();
        int pos = PCAP_HEADER_LENGTH;
        while (pos < file.length)
        {
            view.require(pos, PCAP_RECORD_HEADER_LENGTH, "pcap.record_header");
            final long seconds = view.u32(pos, order, "pcap.ts_sec");
            final long fraction = view.u32(pos + 4, order, nanos ? "pcap.ts_nsec" : "pcap.ts_usec");
            final long inclLen = view.u32(pos + 8, order, "pcap.incl_len");
            final long origLen = view.u32(pos + 12, order, "pcap.orig_len");
            if (inclLen > MAX_FRAME_LENGTH)
            {
                throw view.bad("pcap.incl_len", pos + 8, "value=" + inclLen + " max=" + MAX_FRAME_LENGTH);
            }
            final int dataAt = pos + PCAP_RECORD_HEADER_LENGTH;
            final byte[] data = view.copy(dataAt, (int)inclLen, "pcap.packet_data");
            final long timestampNs = seconds * NANOS_PER_SECOND + (nanos ? fraction : fraction * 1000);
            frames.add(new CapturedFrame(
                frames.size() + 1, 0, linkType, timestampNs, (int)Math.max(inclLen, Math.min(origLen, Integer.MAX_VALUE)),
                view.fileOffset(dataAt), data));
            pos = dataAt + (int)inclLen;
        }
        return new Capture(CaptureFormat.PCAP, order, frames);
    }

    private record Interface(int linkType, long snapLength, int tsresol, long tsoffsetSeconds)
    {
    }

    private static Capture parsePcapng(final byte[] file, final ByteView view)
    {
        final List<CapturedFrame> frames = new ArrayList<>();
        final List<Interface> interfaces = new ArrayList<>();
        ByteOrder order = null;
        ByteOrder firstOrder = null;
        int pos = 0;
        while (pos < file.length)
        {
            view.require(pos, 8, "pcapng.block_header");
            final int type;
            if (view.i32(pos, LE, "pcapng.block_type") == PCAPNG_SHB)
            {
                type = PCAPNG_SHB;
                final int bom = view.i32(pos + 8, LE, "pcapng.byte_order_magic");
                if (bom == PCAPNG_BYTE_ORDER_MAGIC)
                {
                    order = LE;
                }
                else if (bom == Integer.reverseBytes(PCAPNG_BYTE_ORDER_MAGIC))
                {
                    order = BE;
                }
                else
                {
                    throw view.bad("pcapng.byte_order_magic", pos + 8, "value=0x" + Integer.toHexString(bom));
                }
                if (firstOrder == null)
                {
                    firstOrder = order;
                }
                interfaces.clear();
            }
            else
            {
                type = view.i32(pos, order, "pcapng.block_type");
            }
            final long totalLength = view.u32(pos + 4, order, "pcapng.block_total_length");
            if (totalLength < 12 || (totalLength & 3) != 0 || totalLength > MAX_FRAME_LENGTH + 64L)
            {
                throw view.bad("pcapng.block_total_length", pos + 4, "value=" + totalLength);
            }
            final int end = pos + (int)totalLength;
            view.require(pos, totalLength, "pcapng.block_body");
            final long trailer = view.u32(end - 4, order, "pcapng.block_total_length_trailer");
            if (trailer != totalLength)
            {
                throw view.bad("pcapng.block_total_length_trailer", end - 4, "value=" + trailer + " expected=" + totalLength);
            }
            final ByteView block = new ByteView(file, end - 4, 0, "pcapng block");
            switch (type)
            {
                case PCAPNG_SHB:
                {
                    final int major = block.u16(pos + 12, order, "pcapng.shb.major_version");
                    if (major != 1)
                    {
                        throw block.bad("pcapng.shb.major_version", pos + 12, "value=" + major + " expected=1");
                    }
                    block.require(pos + 16, 8, "pcapng.shb.section_length");
                    break;
                }

                case PCAPNG_IDB:
                    interfaces.add(parseInterface(block, pos, order));
                    break;

                case PCAPNG_EPB:
                case PCAPNG_OPB:
                {
                    final boolean enhanced = type == PCAPNG_EPB;
                    final long id = enhanced ?
                        block.u32(pos + 8, order, "pcapng.epb.interface_id") :
                        block.u16(pos + 8, order, "pcapng.opb.interface_id");
                    final String prefix = enhanced ? "pcapng.epb." : "pcapng.opb.";
                    if (id >= interfaces.size())
                    {
                        throw block.bad(prefix + "interface_id", pos + 8, "value=" + id + " interfaces=" + interfaces.size());
                    }
                    final Interface itf = interfaces.get((int)id);
                    final long high = block.u32(pos + 12, order, prefix + "timestamp_high");
                    final long low = block.u32(pos + 16, order, prefix + "timestamp_low");
                    final long capLen = block.u32(pos + 20, order, prefix + "captured_len");
                    final long origLen = block.u32(pos + 24, order, prefix + "original_len");
                    if (capLen > MAX_FRAME_LENGTH)
                    {
                        throw block.bad(prefix + "captured_len", pos + 20, "value=" + capLen + " max=" + MAX_FRAME_LENGTH);
                    }
                    final byte[] data = block.copy(pos + 28, (int)capLen, prefix + "packet_data");
                    frames.add(new CapturedFrame(
                        frames.size() + 1, (int)id, itf.linkType(), timestampNs(itf, (high << 32) | low),
                        (int)Math.max(capLen, Math.min(origLen, Integer.MAX_VALUE)), pos + 28L, data));
                    break;
                }

                case PCAPNG_SPB:
                {
                    if (interfaces.isEmpty())
                    {
                        throw block.bad("pcapng.spb.interface_id", pos, "interfaces=0");
                    }
                    final Interface itf = interfaces.get(0);
                    final long origLen = block.u32(pos + 8, order, "pcapng.spb.original_len");
                    long capLen = Math.min(origLen, (end - 4) - (pos + 12));
                    if (itf.snapLength() != 0)
                    {
                        capLen = Math.min(capLen, itf.snapLength());
                    }
                    final byte[] data = block.copy(pos + 12, (int)capLen, "pcapng.spb.packet_data");
                    frames.add(new CapturedFrame(
                        frames.size() + 1, 0, itf.linkType(), 0, (int)Math.min(origLen, Integer.MAX_VALUE), pos + 12L, data));
                    break;
                }

                case PCAPNG_CUSTOM:
                case PCAPNG_CUSTOM_NOCOPY:
                case PCAPNG_JOURNAL:
                {
                    final int dataAt = type == PCAPNG_JOURNAL ? pos + 8 : pos + 12;
                    block.require(pos + 8, dataAt - (pos + 8), "pcapng.custom.pen");
                    final byte[] data = block.copy(dataAt, Math.max(0, end - 4 - dataAt), "pcapng.record_data");
                    frames.add(new CapturedFrame(
                        frames.size() + 1, -1, LinkType.NOT_A_PACKET, 0, data.length, dataAt, data));
                    break;
                }

                default:
                    break;
            }
            pos = end;
        }
        return new Capture(CaptureFormat.PCAPNG, firstOrder, frames);
    }

    private static Interface parseInterface(final ByteView block, final int pos, final ByteOrder order)
    {
        final int linkType = block.u16(pos + 8, order, "pcapng.idb.linktype");
        final long snapLength = block.u32(pos + 12, order, "pcapng.idb.snaplen");
        int tsresol = 6;
        long tsoffset = 0;
        int at = pos + 16;
        while (at + 4 <= block.limit())
        {
            final int code = block.u16(at, order, "pcapng.option_code");
            final int length = block.u16(at + 2, order, "pcapng.option_length");
            if (code == 0)
            {
                break;
            }
            block.require(at + 4, length, "pcapng.option_value");
            if (code == OPT_IF_TSRESOL)
            {
                if (length != 1)
                {
                    throw block.bad("pcapng.idb.if_tsresol", at + 2, "length=" + length + " expected=1");
                }
                tsresol = block.u8(at + 4, "pcapng.idb.if_tsresol");
                final int exponent = tsresol & 0x7F;
                if ((tsresol & 0x80) == 0 ? exponent > 18 : exponent > 62)
                {
                    throw block.bad("pcapng.idb.if_tsresol", at + 4, "value=0x" + Integer.toHexString(tsresol));
                }
            }
            else if (code == OPT_IF_TSOFFSET)
            {
                if (length != 8)
                {
                    throw block.bad("pcapng.idb.if_tsoffset", at + 2, "length=" + length + " expected=8");
                }
                tsoffset = block.i64(at + 4, order, "pcapng.idb.if_tsoffset");
            }
            at += 4 + ((length + 3) & ~3);
        }
        return new Interface(linkType, snapLength, tsresol, tsoffset);
    }

    private static long timestampNs(final Interface itf, final long units)
    {
        final int exponent = itf.tsresol() & 0x7F;
        final long offsetNs = itf.tsoffsetSeconds() * NANOS_PER_SECOND;
        if ((itf.tsresol() & 0x80) == 0)
        {
            if (exponent <= 9)
            {
                return offsetNs + units * pow10(9 - exponent);
            }
            return offsetNs + Long.divideUnsigned(units, pow10(exponent - 9));
        }
        final BigInteger ns = new BigInteger(Long.toUnsignedString(units))
            .multiply(BigInteger.valueOf(NANOS_PER_SECOND)).shiftRight(exponent);
        return offsetNs + ns.longValue();
    }

    private static long pow10(final int exponent)
    {
        long value = 1;
        for (int i = 0; i < exponent; i++)
        {
            value *= 10;
        }
        return value;
    }
}
