package io.jsocklnd.pcap;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary capture files, raw or wrapped in valid pcap/pcapng headers, or well-formed files of fuzzed TCP
 * frames: reading and reassembling either succeed with consistent results or fail with a
 * {@link CaptureFormatException} naming field and offset; never any other exception.
 */
@Timeout(60)
class CaptureReaderFuzzTest
{
    private static final int[] LINK_TYPES = {
        LinkType.NULL, LinkType.ETHERNET, LinkType.RAW, LinkType.LOOP, LinkType.LINUX_SLL, LinkType.IPV4,
        LinkType.IPV6, LinkType.LINUX_SLL2};
    private static final int MAX_DIRECTION = 1 << 20;

    @FuzzTest
    void fuzzCapture(final FuzzedDataProvider data)
    {
        final byte[] file;
        switch (data.consumeInt(0, 3))
        {
            case 0:
                file = data.consumeRemainingAsBytes();
                break;
            case 1:
                file = pcapHeaderThen(data);
                break;
            case 2:
                file = pcapngHeadersThen(data);
                break;
            default:
                file = tcpFrames(data);
                break;
        }

        final Capture capture;
        try
        {
            capture = CaptureReader.parse(file);
        }
        catch (final CaptureFormatException ex)
        {
            assertNamed(ex, file.length);
            return;
        }
        for (int i = 0; i < capture.frames().size(); i++)
        {
            final CapturedFrame frame = capture.frames().get(i);
            assertEquals(i + 1, frame.number());
            assertTrue(frame.dataOffset() + frame.capturedLength() <= file.length);
        }
        final List<TcpConversation> conversations;
        try
        {
            conversations = TcpReassembler.reassemble(capture.tcpSegments(), MAX_DIRECTION);
        }
        catch (final CaptureFormatException ex)
        {
            assertNamed(ex, file.length);
            return;
        }
        catch (final IllegalArgumentException ex)
        {
            assertTrue(ex.getMessage().startsWith("tcp direction too long: frame="), ex.getMessage());
            return;
        }
        for (final TcpConversation conversation : conversations)
        {
            for (final TcpDirection direction : List.of(conversation.aToB(), conversation.bToA()))
            {
                assertTiled(direction);
            }
        }
    }

    private static void assertTiled(final TcpDirection direction)
    {
        long covered = 0;
        for (final TcpDirection.Chunk chunk : direction.chunks())
        {
            covered += chunk.length();
            assertEquals(chunk.frameNumber(), direction.frameAt(chunk.offset()));
            assertEquals(chunk.frameNumber(), direction.frameAt(chunk.end() - 1));
        }
        for (final TcpDirection.Gap gap : direction.gaps())
        {
            covered += gap.length();
            assertEquals(-1, direction.frameAt(gap.offset()));
        }
        assertEquals(direction.length(), covered);
    }

    private static void assertNamed(final CaptureFormatException ex, final int fileLength)
    {
        assertTrue(ex.getMessage().matches("(truncated|bad) [a-z0-9 ]+: field=" + ex.field().replace(".", "\\.") +
            " offset=" + ex.offset() + "( .*)?"), ex.getMessage());
        assertTrue(ex.offset() >= 0 && ex.offset() <= fileLength + 64L, ex.getMessage());
    }

    private static byte[] pcapHeaderThen(final FuzzedDataProvider data)
    {
        final ByteOrder order = data.consumeBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        final boolean nanos = data.consumeBoolean();
        final int linkType = data.pickValue(LINK_TYPES);
        final byte[] header = PcapWriter.pcap(order, nanos, linkType, List.of());
        final byte[] rest = data.consumeRemainingAsBytes();
        return ByteBuffer.allocate(header.length + rest.length).put(header).put(rest).array();
    }

    private static byte[] pcapngHeadersThen(final FuzzedDataProvider data)
    {
        final ByteOrder order = data.consumeBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        PcapWriter.section(out, order, data.consumeBoolean());
        PcapWriter.interfaceBlock(out, order, new PcapWriter.Interface(
            data.pickValue(LINK_TYPES), data.consumeInt(0, 70000), data.consumeInt(-1, 255), data.consumeLong()));
        out.writeBytes(data.consumeRemainingAsBytes());
        return out.toByteArray();
    }

    private static byte[] tcpFrames(final FuzzedDataProvider data)
    {
        final List<CapturedFrame> frames = new ArrayList<>();
        final int count = data.consumeInt(1, 12);
        for (int i = 0; i < count; i++)
        {
            final boolean fromClient = data.consumeBoolean();
            final long sequence = data.consumeBoolean() ? data.consumeInt(0, 3000) : data.consumeLong() & 0xFFFF_FFFFL;
            final byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
            final byte[] tcp = FrameBuilder.tcp(fromClient ? 1023 : 988, fromClient ? 988 : 1023, sequence, 0,
                data.consumeInt(0, 0x1FF), payload);
            final byte[] client = {10, 0, 0, 2};
            final byte[] server = {10, 0, 0, 1};
            final byte[] ip = FrameBuilder.ipv4(fromClient ? client : server, fromClient ? server : client, 6, tcp);
            frames.add(FrameBuilder.frame(i + 1, LinkType.ETHERNET, 1_000_000L * i,
                FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, ip)));
        }
        return PcapWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, LinkType.ETHERNET, frames);
    }
}
