package io.jsocklnd.pcap;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes classic pcap and pcapng files from frames, in a chosen byte order, so the reader can be checked on
 * every variant it claims to read.
 */
public final class PcapWriter
{
    /** A pcapng block type no reader knows, which must be skipped. */
    public static final int UNKNOWN_BLOCK_TYPE = 0x00001234;
    /** pcapng Name Resolution Block. */
    public static final int NRB_BLOCK_TYPE = 4;
    /** pcapng Interface Statistics Block. */
    public static final int ISB_BLOCK_TYPE = 5;

    private PcapWriter()
    {
    }

    /**
     * A pcapng interface description.
     *
     * @param linkType        link type.
     * @param snapLength      snap length (0 = none).
     * @param tsresol         {@code if_tsresol} byte, or -1 to leave the option out (microseconds).
     * @param tsoffsetSeconds {@code if_tsoffset}, or 0 to leave it out.
     */
    public record Interface(int linkType, int snapLength, int tsresol, long tsoffsetSeconds)
    {
    }

    /**
     * @param order     byte order of every header field.
     * @param nanos     nanosecond timestamps (magic {@code a1b23c4d}) instead of microseconds.
     * @param linkType  the file's link type.
     * @param frames    frames (their link type is not checked).
     * @return the file.
     */
    public static byte[] pcap(final ByteOrder order, final boolean nanos, final int linkType, final List<CapturedFrame> frames)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteBuffer header = ByteBuffer.allocate(24).order(order);
        header.putInt(nanos ? CaptureReader.PCAP_MAGIC_NANOS : CaptureReader.PCAP_MAGIC_MICROS);
        header.putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(262144).putInt(linkType);
        out.writeBytes(header.array());
        for (final CapturedFrame frame : frames)
        {
            final long ns = frame.timestampNs();
            final ByteBuffer record = ByteBuffer.allocate(16).order(order);
            record.putInt((int)(ns / 1_000_000_000L));
            record.putInt((int)(nanos ? ns % 1_000_000_000L : (ns % 1_000_000_000L) / 1000));
            record.putInt(frame.data().length).putInt(frame.originalLength());
            out.writeBytes(record.array());
            out.writeBytes(frame.data());
        }
        return out.toByteArray();
    }

    /**
     * Writes one section with the given interfaces and each frame as an enhanced packet block on its
     * {@code interfaceId}; with {@code extraBlocks}, adds blocks a reader must skip (name resolution, interface
     * statistics, an unknown type) and options on the section header.
     *
     * @param order       byte order of the section.
     * @param interfaces  interface descriptions.
     * @param frames      frames.
     * @param extraBlocks whether to add blocks to skip.
     * @return the file bytes.
     */
    public static byte[] pcapng(
        final ByteOrder order, final List<Interface> interfaces, final List<CapturedFrame> frames, final boolean extraBlocks)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        section(out, order, extraBlocks);
        for (final Interface itf : interfaces)
        {
            interfaceBlock(out, order, itf);
        }
        if (extraBlocks)
        {
            block(out, order, NRB_BLOCK_TYPE, new byte[] {0, 0, 0, 0});
            block(out, order, UNKNOWN_BLOCK_TYPE, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        }
        for (final CapturedFrame frame : frames)
        {
            enhancedPacket(out, order, interfaces.get(frame.interfaceId()), frame);
        }
        if (extraBlocks)
        {
            final ByteBuffer stats = ByteBuffer.allocate(12).order(order).putInt(0).putInt(0).putInt(0);
            block(out, order, ISB_BLOCK_TYPE, stats.array());
        }
        return out.toByteArray();
    }

    /**
     * Writes a section header block.
     *
     * @param out         output.
     * @param order       byte order.
     * @param withOptions whether to add an {@code shb_userappl} option.
     */
    public static void section(final ByteArrayOutputStream out, final ByteOrder order, final boolean withOptions)
    {
        final ByteBuffer body = ByteBuffer.allocate(withOptions ? 32 : 16).order(order);
        body.putInt(CaptureReader.PCAPNG_BYTE_ORDER_MAGIC).putShort((short)1).putShort((short)0).putLong(-1L);
        if (withOptions)
        {
            body.putShort((short)4).putShort((short)8).put("jsocklnd".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            body.putShort((short)0).putShort((short)0);
        }
        block(out, order, CaptureReader.PCAPNG_SHB, body.array());
    }

    /**
     * Writes an interface description block.
     *
     * @param out   output.
     * @param order byte order.
     * @param itf   the interface.
     */
    public static void interfaceBlock(final ByteArrayOutputStream out, final ByteOrder order, final Interface itf)
    {
        final ByteBuffer body = ByteBuffer.allocate(8 + 8 + 12 + 4).order(order);
        body.putShort((short)itf.linkType()).putShort((short)0).putInt(itf.snapLength());
        if (itf.tsresol() >= 0)
        {
            body.putShort((short)CaptureReader.OPT_IF_TSRESOL).putShort((short)1).put((byte)itf.tsresol()).put(new byte[3]);
        }
        if (itf.tsoffsetSeconds() != 0)
        {
            body.putShort((short)CaptureReader.OPT_IF_TSOFFSET).putShort((short)8).putLong(itf.tsoffsetSeconds());
        }
        body.putShort((short)0).putShort((short)0);
        block(out, order, CaptureReader.PCAPNG_IDB, java.util.Arrays.copyOf(body.array(), body.position()));
    }

    /**
     * Writes an enhanced packet block; the timestamp must be representable in the interface's resolution.
     *
     * @param out   output.
     * @param order byte order.
     * @param itf   the frame's interface.
     * @param frame the frame.
     */
    public static void enhancedPacket(
        final ByteArrayOutputStream out, final ByteOrder order, final Interface itf, final CapturedFrame frame)
    {
        final long units = units(itf, frame.timestampNs());
        final byte[] data = frame.data();
        final ByteBuffer body = ByteBuffer.allocate(20 + pad(data.length)).order(order);
        body.putInt(frame.interfaceId()).putInt((int)(units >>> 32)).putInt((int)units);
        body.putInt(data.length).putInt(frame.originalLength()).put(data);
        block(out, order, CaptureReader.PCAPNG_EPB, body.array());
    }

    /**
     * Writes a simple packet block (no timestamp, interface 0).
     *
     * @param out            output.
     * @param order          byte order.
     * @param originalLength length on the wire.
     * @param data           bytes stored.
     */
    public static void simplePacket(
        final ByteArrayOutputStream out, final ByteOrder order, final int originalLength, final byte[] data)
    {
        final ByteBuffer body = ByteBuffer.allocate(4 + pad(data.length)).order(order);
        body.putInt(originalLength).put(data);
        block(out, order, CaptureReader.PCAPNG_SPB, body.array());
    }

    /**
     * Writes any block: type, total length, body (padded to 4), total length.
     *
     * @param out   output.
     * @param order byte order.
     * @param type  block type.
     * @param body  block body.
     */
    public static void block(final ByteArrayOutputStream out, final ByteOrder order, final int type, final byte[] body)
    {
        final int total = 12 + pad(body.length);
        final ByteBuffer block = ByteBuffer.allocate(total).order(order);
        block.putInt(type).putInt(total).put(body);
        block.position(total - 4);
        block.putInt(total);
        out.writeBytes(block.array());
    }

    private static int pad(final int length)
    {
        return (length + 3) & ~3;
    }

    private static long units(final Interface itf, final long timestampNs)
    {
        final BigInteger ns = BigInteger.valueOf(timestampNs - itf.tsoffsetSeconds() * 1_000_000_000L);
        final int resol = itf.tsresol() < 0 ? 6 : itf.tsresol();
        final BigInteger perSecond = (resol & 0x80) == 0 ?
            BigInteger.TEN.pow(resol) : BigInteger.ONE.shiftLeft(resol & 0x7F);
        final BigInteger[] units = ns.multiply(perSecond).divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
        if (units[1].signum() != 0)
        {
            throw new IllegalArgumentException("timestamp not representable: ns=" + timestampNs + " tsresol=" + resol);
        }
        return units[0].longValue();
    }
}
