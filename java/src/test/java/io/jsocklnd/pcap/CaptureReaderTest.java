package io.jsocklnd.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capture reader on the two shared captures (checked frame by frame against tshark) and on files written in
 * every variant it reads: pcap in both byte orders with micro- and nanosecond timestamps, pcapng in both byte
 * orders with several interfaces, timestamp resolutions and blocks to skip.
 */
@Timeout(60)
class CaptureReaderTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldReadEveryFrameOfSharedCaptureAsTsharkDoes(final String name) throws IOException
    {
        final Path file = SharedCaptures.path(name);
        final Capture capture = CaptureReader.read(file);
        final List<Tshark.Row> rows = Tshark.fields(
            file, List.of(), "frame.number", "frame.len", "frame.cap_len", "frame.time_epoch", "frame.interface_id");

        assertEquals(rows.size(), capture.frames().size());
        for (int i = 0; i < rows.size(); i++)
        {
            final Tshark.Row row = rows.get(i);
            final CapturedFrame frame = capture.frames().get(i);
            assertEquals(row.number("frame.number"), frame.number());
            assertEquals(row.number("frame.len"), frame.originalLength(), () -> "frame " + frame.number());
            assertEquals(row.number("frame.cap_len"), frame.capturedLength(), () -> "frame " + frame.number());
            assertEquals(row.one("frame.time_epoch"), epochText(frame.timestampNs()), () -> "frame " + frame.number());
            assertEquals(LinkType.ETHERNET, frame.linkType());
        }
    }

    @Test
    void shouldTellFormatAndByteOrderOfSharedCaptures() throws IOException
    {
        final Capture ndpi = CaptureReader.read(SharedCaptures.ndpi());
        final Capture synth = CaptureReader.read(SharedCaptures.synth());

        assertEquals(CaptureFormat.PCAPNG, ndpi.format());
        assertEquals(22, ndpi.frames().size());
        assertEquals(CaptureFormat.PCAP, synth.format());
        assertEquals(LE, synth.byteOrder());
        assertEquals(98, synth.frames().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"le-micro", "be-micro", "le-nano", "be-nano"})
    void shouldRoundTripRealCaptureThroughClassicPcap(final String variant) throws IOException
    {
        final ByteOrder order = variant.startsWith("le") ? LE : BE;
        final boolean nanos = variant.endsWith("nano");
        final Capture original = CaptureReader.read(SharedCaptures.ndpi());
        final List<CapturedFrame> frames = nanos ? original.frames() : microseconds(original.frames());

        final Capture copy = CaptureReader.parse(PcapWriter.pcap(order, nanos, LinkType.ETHERNET, frames));

        assertEquals(CaptureFormat.PCAP, copy.format());
        assertEquals(order, copy.byteOrder());
        assertSameFrames(frames, copy.frames());
        assertEquals(describe(original.conversations()), describe(copy.conversations()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"LITTLE_ENDIAN", "BIG_ENDIAN"})
    void shouldRoundTripRealCaptureThroughPcapngWithBlocksToSkip(final String orderName) throws IOException
    {
        final ByteOrder order = "BIG_ENDIAN".equals(orderName) ? BE : LE;
        final Capture original = CaptureReader.read(SharedCaptures.synth());
        final List<PcapWriter.Interface> interfaces = List.of(new PcapWriter.Interface(LinkType.ETHERNET, 0, 9, 0));

        final Capture copy = CaptureReader.parse(PcapWriter.pcapng(order, interfaces, original.frames(), true));

        assertEquals(CaptureFormat.PCAPNG, copy.format());
        assertEquals(order, copy.byteOrder());
        assertSameFrames(original.frames(), copy.frames());
        assertEquals(describe(original.conversations()), describe(copy.conversations()));
    }

    @Test
    void shouldWriteFilesTsharkReadsTheSameWay() throws IOException
    {
        final Capture original = CaptureReader.read(SharedCaptures.ndpi());
        final Path pcap = tmp.resolve("be-nano.pcap");
        Files.write(pcap, PcapWriter.pcap(BE, true, LinkType.ETHERNET, original.frames()));
        final Path pcapng = tmp.resolve("be.pcapng");
        Files.write(pcapng, PcapWriter.pcapng(
            BE, List.of(new PcapWriter.Interface(LinkType.ETHERNET, 0, 7, 0)), original.frames(), true));

        for (final Path file : List.of(pcap, pcapng))
        {
            final List<Tshark.Row> rows = Tshark.fields(file, List.of(), "frame.number", "frame.time_epoch", "tcp.stream");
            final Capture capture = CaptureReader.read(file);
            assertEquals(rows.size(), capture.frames().size(), file::toString);
            for (int i = 0; i < rows.size(); i++)
            {
                assertEquals(
                    rows.get(i).one("frame.time_epoch"), epochText(capture.frames().get(i).timestampNs()), file::toString);
            }
        }
    }

    @Test
    void shouldNumberCustomBlocksAsFramesLikeTshark() throws IOException
    {
        final Capture original = CaptureReader.read(SharedCaptures.ndpi());
        final PcapWriter.Interface itf = new PcapWriter.Interface(LinkType.ETHERNET, 0, 6, 0);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapWriter.section(out, LE, true);
        PcapWriter.interfaceBlock(out, LE, itf);
        PcapWriter.enhancedPacket(out, LE, itf, original.frames().get(0));
        PcapWriter.block(out, LE, CaptureReader.PCAPNG_CUSTOM, new byte[] {0, 0, 0x7f, (byte)0xfe, 9, 8, 7});
        PcapWriter.block(out, LE, PcapWriter.UNKNOWN_BLOCK_TYPE, new byte[] {1, 2, 3, 4});
        PcapWriter.enhancedPacket(out, LE, itf, original.frames().get(1));
        final Path file = tmp.resolve("custom.pcapng");
        Files.write(file, out.toByteArray());

        final List<CapturedFrame> frames = CaptureReader.read(file).frames();
        final List<Tshark.Row> rows = Tshark.fields(file, List.of(), "frame.number", "frame.len");

        assertEquals(3, frames.size());
        assertEquals(rows.size(), frames.size());
        for (int i = 0; i < rows.size(); i++)
        {
            assertEquals(rows.get(i).number("frame.number"), frames.get(i).number());
        }
        assertEquals(LinkType.NOT_A_PACKET, frames.get(1).linkType());
        assertArrayEquals(new byte[] {9, 8, 7, 0}, frames.get(1).data());
        assertEquals(rows.get(2).number("frame.len"), frames.get(2).originalLength());
    }

    @Test
    void shouldApplyPerInterfaceLinkTypeResolutionAndOffset()
    {
        final byte[] tcp = FrameBuilder.tcp(1023, 988, 100, 0, TcpSegment.SYN, new byte[0]);
        final byte[] ip = FrameBuilder.ipv4(new byte[] {10, 0, 0, 2}, new byte[] {10, 0, 0, 1}, 6, tcp);
        final List<PcapWriter.Interface> interfaces = List.of(
            new PcapWriter.Interface(LinkType.ETHERNET, 0, -1, 0),
            new PcapWriter.Interface(LinkType.RAW, 0, 0x80 | 20, 0),
            new PcapWriter.Interface(LinkType.IPV4, 0, 3, 1_700_000_000L));
        final List<CapturedFrame> frames = List.of(
            FrameBuilder.frame(1, LinkType.ETHERNET, 1_600_000_000_123_456_000L,
                FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, ip)),
            new CapturedFrame(2, 1, LinkType.RAW, 1_600_000_001_000_000_000L, ip.length, 0, ip),
            new CapturedFrame(3, 2, LinkType.IPV4, 1_700_000_005_007_000_000L, ip.length, 0, ip));

        for (final ByteOrder order : List.of(LE, BE))
        {
            final Capture capture = CaptureReader.parse(PcapWriter.pcapng(order, interfaces, frames, false));

            assertSameFrames(frames, capture.frames());
            final List<TcpSegment> segments = capture.tcpSegments();
            assertEquals(3, segments.size());
            for (final TcpSegment segment : segments)
            {
                assertEquals(988, segment.destination().port());
                assertEquals(100, segment.sequence());
            }
        }
    }

    @Test
    void shouldReadSimplePacketBlocksCappedBySnapLength()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapWriter.section(out, BE, false);
        PcapWriter.interfaceBlock(out, BE, new PcapWriter.Interface(LinkType.RAW, 7, -1, 0));
        PcapWriter.simplePacket(out, BE, 10, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        PcapWriter.simplePacket(out, BE, 5, new byte[] {1, 2, 3, 4, 5});

        final Capture capture = CaptureReader.parse(out.toByteArray());

        assertEquals(2, capture.frames().size());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7}, capture.frames().get(0).data());
        assertEquals(10, capture.frames().get(0).originalLength());
        assertTrue(capture.frames().get(0).isTruncated());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, capture.frames().get(1).data());
    }

    @Test
    void shouldReadSecondSectionInOtherByteOrder()
    {
        final byte[] data = {0x45, 0, 0, 20};
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapWriter.section(out, LE, false);
        PcapWriter.interfaceBlock(out, LE, new PcapWriter.Interface(LinkType.RAW, 0, -1, 0));
        PcapWriter.enhancedPacket(out, LE, new PcapWriter.Interface(LinkType.RAW, 0, -1, 0),
            new CapturedFrame(1, 0, LinkType.RAW, 5_000L, 4, 0, data));
        PcapWriter.section(out, BE, false);
        PcapWriter.interfaceBlock(out, BE, new PcapWriter.Interface(LinkType.ETHERNET, 0, 9, 0));
        PcapWriter.enhancedPacket(out, BE, new PcapWriter.Interface(LinkType.ETHERNET, 0, 9, 0),
            new CapturedFrame(2, 0, LinkType.ETHERNET, 7L, 4, 0, data));

        final Capture capture = CaptureReader.parse(out.toByteArray());

        assertEquals(LE, capture.byteOrder());
        assertEquals(2, capture.frames().size());
        assertEquals(LinkType.RAW, capture.frames().get(0).linkType());
        assertEquals(5_000L, capture.frames().get(0).timestampNs());
        assertEquals(LinkType.ETHERNET, capture.frames().get(1).linkType());
        assertEquals(7L, capture.frames().get(1).timestampNs());
        assertEquals(2, capture.frames().get(1).number());
    }

    @Test
    void shouldRejectUnknownMagicNamingIt()
    {
        final CaptureFormatException ex = assertThrows(
            CaptureFormatException.class, () -> CaptureReader.parse(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        assertEquals("capture.magic", ex.field());
        assertEquals(0, ex.offset());
    }

    @Test
    void shouldRejectEmptyFile()
    {
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(new byte[0]));
        assertEquals("capture.magic", ex.field());
        assertTrue(ex.isTruncation());
    }

    @Test
    void shouldRejectTruncatedPcapGlobalHeader()
    {
        final byte[] file = PcapWriter.pcap(LE, false, LinkType.ETHERNET, List.of());
        final CaptureFormatException ex = assertThrows(
            CaptureFormatException.class, () -> CaptureReader.parse(java.util.Arrays.copyOf(file, 20)));
        assertEquals("pcap.header", ex.field());
        assertEquals(0, ex.offset());
    }

    @Test
    void shouldRejectPcapRecordHeaderCutShort()
    {
        final byte[] file = onePacketPcap(BE);
        final CaptureFormatException ex = assertThrows(
            CaptureFormatException.class, () -> CaptureReader.parse(java.util.Arrays.copyOf(file, 24 + 10)));
        assertEquals("pcap.record_header", ex.field());
        assertEquals(24, ex.offset());
    }

    @Test
    void shouldRejectPcapPacketDataCutShort()
    {
        final byte[] file = onePacketPcap(LE);
        final CaptureFormatException ex = assertThrows(
            CaptureFormatException.class, () -> CaptureReader.parse(java.util.Arrays.copyOf(file, file.length - 1)));
        assertEquals("pcap.packet_data", ex.field());
        assertEquals(40, ex.offset());
        assertTrue(ex.getMessage().contains("need=8 available=7"), ex.getMessage());
    }

    @Test
    void shouldRejectAbsurdPcapCapturedLength()
    {
        final byte[] file = onePacketPcap(LE);
        ByteBuffer.wrap(file).order(LE).putInt(24 + 8, -1);
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(file));
        assertEquals("pcap.incl_len", ex.field());
        assertEquals(32, ex.offset());
    }

    @Test
    void shouldRejectPcapngBlockLengthNotMultipleOfFour()
    {
        final byte[] file = onePacketPcapng(LE);
        final int epbAt = epbOffset(file, LE);
        ByteBuffer.wrap(file).order(LE).putInt(epbAt + 4, 45);
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(file));
        assertEquals("pcapng.block_total_length", ex.field());
        assertEquals(epbAt + 4, ex.offset());
    }

    @Test
    void shouldRejectPcapngTrailingLengthMismatch()
    {
        final byte[] file = onePacketPcapng(BE);
        ByteBuffer.wrap(file).order(BE).putInt(file.length - 4, 12);
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(file));
        assertEquals("pcapng.block_total_length_trailer", ex.field());
        assertEquals(file.length - 4, ex.offset());
    }

    @Test
    void shouldRejectPcapngBlockCutShort()
    {
        final byte[] file = onePacketPcapng(LE);
        final int epbAt = epbOffset(file, LE);
        final CaptureFormatException ex = assertThrows(
            CaptureFormatException.class, () -> CaptureReader.parse(java.util.Arrays.copyOf(file, file.length - 6)));
        assertEquals("pcapng.block_body", ex.field());
        assertEquals(epbAt, ex.offset());
    }

    @Test
    void shouldRejectEnhancedPacketOnUndeclaredInterface()
    {
        final byte[] file = onePacketPcapng(LE);
        final int epbAt = epbOffset(file, LE);
        ByteBuffer.wrap(file).order(LE).putInt(epbAt + 8, 3);
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(file));
        assertEquals("pcapng.epb.interface_id", ex.field());
        assertEquals(epbAt + 8, ex.offset());
    }

    @Test
    void shouldRejectEnhancedPacketCapturedLengthBeyondBlock()
    {
        final byte[] file = onePacketPcapng(BE);
        final int epbAt = epbOffset(file, BE);
        ByteBuffer.wrap(file).order(BE).putInt(epbAt + 20, 64);
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(file));
        assertEquals("pcapng.epb.packet_data", ex.field());
        assertEquals(epbAt + 28, ex.offset());
    }

    @Test
    void shouldRejectBadByteOrderMagic()
    {
        final byte[] file = onePacketPcapng(LE);
        file[8] = 0x55;
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(file));
        assertEquals("pcapng.byte_order_magic", ex.field());
        assertEquals(8, ex.offset());
    }

    @Test
    void shouldRejectOptionRunningPastItsBlock()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapWriter.section(out, LE, false);
        final int idbAt = out.size();
        PcapWriter.interfaceBlock(out, LE, new PcapWriter.Interface(LinkType.RAW, 0, 9, 0));
        final byte[] file = out.toByteArray();
        ByteBuffer.wrap(file).order(LE).putShort(idbAt + 16 + 2, (short)100);
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, () -> CaptureReader.parse(file));
        assertEquals("pcapng.option_value", ex.field());
        assertEquals(idbAt + 20, ex.offset());
    }

    private static byte[] onePacketPcap(final ByteOrder order)
    {
        return PcapWriter.pcap(order, false, LinkType.RAW, List.of(
            new CapturedFrame(1, 0, LinkType.RAW, 1_000_000L, 8, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
    }

    private static byte[] onePacketPcapng(final ByteOrder order)
    {
        return PcapWriter.pcapng(order, List.of(new PcapWriter.Interface(LinkType.RAW, 0, -1, 0)), List.of(
            new CapturedFrame(1, 0, LinkType.RAW, 1_000_000L, 8, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})), false);
    }

    private static int epbOffset(final byte[] file, final ByteOrder order)
    {
        final ByteBuffer b = ByteBuffer.wrap(file).order(order);
        int at = 0;
        for (int i = 0; i < 8 && at < file.length; i++)
        {
            if (b.getInt(at) == CaptureReader.PCAPNG_EPB)
            {
                return at;
            }
            at += b.getInt(at + 4);
        }
        throw new AssertionError("no enhanced packet block");
    }

    static String epochText(final long ns)
    {
        return Long.toString(ns / 1_000_000_000L) + "." + String.format("%09d", ns % 1_000_000_000L);
    }

    private static List<CapturedFrame> microseconds(final List<CapturedFrame> frames)
    {
        final List<CapturedFrame> out = new ArrayList<>();
        for (final CapturedFrame f : frames)
        {
            out.add(new CapturedFrame(f.number(), f.interfaceId(), f.linkType(), f.timestampNs() / 1000 * 1000,
                f.originalLength(), f.dataOffset(), f.data()));
        }
        return out;
    }

    private static void assertSameFrames(final List<CapturedFrame> expected, final List<CapturedFrame> actual)
    {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++)
        {
            final CapturedFrame e = expected.get(i);
            final CapturedFrame a = actual.get(i);
            assertEquals(i + 1, a.number());
            assertEquals(e.linkType(), a.linkType(), () -> "frame " + a.number());
            assertEquals(e.interfaceId(), a.interfaceId(), () -> "frame " + a.number());
            assertEquals(e.timestampNs(), a.timestampNs(), () -> "frame " + a.number());
            assertEquals(e.originalLength(), a.originalLength(), () -> "frame " + a.number());
            assertArrayEquals(e.data(), a.data(), () -> "frame " + a.number());
        }
    }

    static List<String> describe(final List<TcpConversation> conversations)
    {
        final List<String> out = new ArrayList<>();
        for (final TcpConversation c : conversations)
        {
            out.add(c + " a2b=" + java.util.Arrays.hashCode(c.aToB().bytes()) + " b2a=" +
                java.util.Arrays.hashCode(c.bToA().bytes()) + " frames=" + c.frameNumbers());
        }
        return out;
    }
}
