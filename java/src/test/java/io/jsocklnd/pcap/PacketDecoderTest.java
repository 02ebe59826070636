package io.jsocklnd.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames of every supported link type decode to the same TCP segment; what is not TCP is left out; malformed
 * headers name their field and file offset.
 */
@Timeout(10)
class PacketDecoderTest
{
    private static final byte[] SRC4 = {10, 0, 0, 2};
    private static final byte[] DST4 = {10, 0, 0, 1};
    private static final byte[] SRC6 = v6("fd00::2");
    private static final byte[] DST6 = v6("fd00::1");
    private static final byte[] PAYLOAD = {0x63, 0x69, 0x72, 0x45, 3, 0, 0, 0};
    private static final byte[] TCP = FrameBuilder.tcp(1023, 988, 0xFFFF_FFF0L, 7, TcpSegment.PSH | TcpSegment.ACK, PAYLOAD);
    private static final byte[] IP4 = FrameBuilder.ipv4(SRC4, DST4, PacketDecoder.IPPROTO_TCP, TCP);
    private static final byte[] IP6 = FrameBuilder.ipv6(SRC6, DST6, TCP);

    @Test
    void shouldDecodeIpv4OverEveryLinkType()
    {
        final List<CapturedFrame> frames = List.of(
            FrameBuilder.frame(1, LinkType.ETHERNET, 0, FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, IP4)),
            FrameBuilder.frame(2, LinkType.ETHERNET, 0, FrameBuilder.ethernet(
                PacketDecoder.ETHERTYPE_IPV4, IP4, PacketDecoder.ETHERTYPE_QINQ, PacketDecoder.ETHERTYPE_VLAN)),
            FrameBuilder.frame(3, LinkType.RAW, 0, IP4),
            FrameBuilder.frame(4, LinkType.IPV4, 0, IP4),
            FrameBuilder.frame(5, LinkType.LINUX_SLL, 0, FrameBuilder.sll(PacketDecoder.ETHERTYPE_IPV4, IP4)),
            FrameBuilder.frame(6, LinkType.LINUX_SLL2, 0, FrameBuilder.sll2(PacketDecoder.ETHERTYPE_IPV4, IP4)),
            FrameBuilder.frame(7, LinkType.NULL, 0, FrameBuilder.loopback(2, ByteOrder.LITTLE_ENDIAN, IP4)),
            FrameBuilder.frame(8, LinkType.NULL, 0, FrameBuilder.loopback(2, ByteOrder.BIG_ENDIAN, IP4)),
            FrameBuilder.frame(9, LinkType.LOOP, 0, FrameBuilder.loopback(2, ByteOrder.BIG_ENDIAN, IP4)));

        for (final CapturedFrame frame : frames)
        {
            final TcpSegment segment = PacketDecoder.decode(frame);
            assertNotNull(segment, frame::toString);
            assertSegment(segment, frame, "10.0.0.2", "10.0.0.1");
        }
    }

    @Test
    void shouldDecodeIpv6WithExtensionHeaderOverEveryLinkType()
    {
        final List<CapturedFrame> frames = List.of(
            FrameBuilder.frame(1, LinkType.ETHERNET, 0, FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV6, IP6)),
            FrameBuilder.frame(2, LinkType.ETHERNET, 0, FrameBuilder.ethernet(
                PacketDecoder.ETHERTYPE_IPV6, IP6, PacketDecoder.ETHERTYPE_VLAN)),
            FrameBuilder.frame(3, LinkType.RAW, 0, IP6),
            FrameBuilder.frame(4, LinkType.IPV6, 0, IP6),
            FrameBuilder.frame(5, LinkType.LINUX_SLL, 0, FrameBuilder.sll(PacketDecoder.ETHERTYPE_IPV6, IP6)),
            FrameBuilder.frame(6, LinkType.LINUX_SLL2, 0, FrameBuilder.sll2(PacketDecoder.ETHERTYPE_IPV6, IP6)),
            FrameBuilder.frame(7, LinkType.NULL, 0, FrameBuilder.loopback(30, ByteOrder.LITTLE_ENDIAN, IP6)),
            FrameBuilder.frame(8, LinkType.NULL, 0, FrameBuilder.loopback(10, ByteOrder.BIG_ENDIAN, IP6)),
            FrameBuilder.frame(9, LinkType.LOOP, 0, FrameBuilder.loopback(24, ByteOrder.BIG_ENDIAN, IP6)));

        for (final CapturedFrame frame : frames)
        {
            final TcpSegment segment = PacketDecoder.decode(frame);
            assertNotNull(segment, frame::toString);
            assertSegment(segment, frame, "fd00:0:0:0:0:0:0:2", "fd00:0:0:0:0:0:0:1");
        }
    }

    @Test
    void shouldDropEthernetPaddingUsingIpLength()
    {
        final byte[] tcp = FrameBuilder.tcp(1023, 988, 1, 1, TcpSegment.ACK, new byte[0]);
        final byte[] unpadded = FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, FrameBuilder.ipv4(SRC4, DST4, 6, tcp));
        final byte[] frame = Arrays.copyOf(unpadded, unpadded.length + 6);
        Arrays.fill(frame, unpadded.length, frame.length, (byte)0x5a);

        final TcpSegment segment = PacketDecoder.decode(FrameBuilder.frame(1, LinkType.ETHERNET, 0, frame));

        assertEquals(0, segment.payloadLength());
        assertEquals(0, segment.payload().length);
        assertEquals(frame.length, segment.frameLength());
    }

    @Test
    void shouldLeaveOutWhatIsNotTcp()
    {
        final byte[] udp = FrameBuilder.ipv4(SRC4, DST4, 17, new byte[8]);
        final byte[] fragment = IP4.clone();
        fragment[6] = 0x20;
        final byte[] arp = FrameBuilder.ethernet(0x0806, new byte[28]);
        final byte[] ipv6Udp = IP6.clone();
        ipv6Udp[40] = 17;

        assertNull(PacketDecoder.decode(FrameBuilder.frame(1, LinkType.RAW, 0, udp)));
        assertNull(PacketDecoder.decode(FrameBuilder.frame(2, LinkType.RAW, 0, fragment)));
        assertNull(PacketDecoder.decode(FrameBuilder.frame(3, LinkType.ETHERNET, 0, arp)));
        assertNull(PacketDecoder.decode(FrameBuilder.frame(4, LinkType.IPV6, 0, ipv6Udp)));
        assertNull(PacketDecoder.decode(FrameBuilder.frame(5, 147, 0, IP4)));
        assertNull(PacketDecoder.decode(FrameBuilder.frame(6, LinkType.NULL, 0,
            FrameBuilder.loopback(7, ByteOrder.LITTLE_ENDIAN, IP4))));
    }

    @Test
    void shouldKeepCapturedPartOfPayloadCutBySnapLength()
    {
        final byte[] full = FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, IP4);
        final int kept = full.length - 3;
        final CapturedFrame frame = new CapturedFrame(1, 0, LinkType.ETHERNET, 0, full.length, 0,
            Arrays.copyOf(full, kept));

        final TcpSegment segment = PacketDecoder.decode(frame);

        assertEquals(PAYLOAD.length, segment.payloadLength());
        assertArrayEquals(Arrays.copyOf(PAYLOAD, PAYLOAD.length - 3), segment.payload());
    }

    @Test
    void shouldLeaveOutFrameWhoseHeadersTheSnapLengthCut()
    {
        final byte[] full = FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, IP4);
        final CapturedFrame frame = new CapturedFrame(1, 0, LinkType.ETHERNET, 0, full.length, 0,
            Arrays.copyOf(full, 40));

        assertNull(PacketDecoder.decode(frame));
    }

    @Test
    void shouldRejectIpv4HeaderLengthBelowMinimum()
    {
        final byte[] ip = IP4.clone();
        ip[0] = 0x44;
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class,
            () -> PacketDecoder.decode(new CapturedFrame(3, 0, LinkType.RAW, 0, ip.length, 1000, ip)));
        assertEquals("ip.hdr_len", ex.field());
        assertEquals(1000, ex.offset());
        assertTrue(ex.getMessage().startsWith("bad frame 3: field=ip.hdr_len offset=1000"), ex.getMessage());
    }

    @Test
    void shouldRejectIpv4TotalLengthBeyondFrame()
    {
        final byte[] frame = FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, IP4);
        ByteBuffer.wrap(frame).putShort(14 + 2, (short)(IP4.length + 1));
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class,
            () -> PacketDecoder.decode(new CapturedFrame(1, 0, LinkType.ETHERNET, 0, frame.length, 100, frame)));
        assertEquals("ip.len", ex.field());
        assertEquals(100 + 14 + 2, ex.offset());
    }

    @Test
    void shouldRejectTcpDataOffsetBelowMinimum()
    {
        final byte[] ip = IP4.clone();
        ip[24 + 12] = 0x40;
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class,
            () -> PacketDecoder.decode(FrameBuilder.frame(1, LinkType.IPV4, 0, ip)));
        assertEquals("tcp.hdr_len", ex.field());
        assertEquals(24 + 12, ex.offset());
    }

    @Test
    void shouldRejectTcpHeaderRunningPastIpPayload()
    {
        final byte[] ip = IP4.clone();
        ip[24 + 12] = (byte)0xF0;
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class,
            () -> PacketDecoder.decode(FrameBuilder.frame(1, LinkType.IPV4, 0, ip)));
        assertEquals("tcp.options", ex.field());
        assertTrue(ex.isTruncation());
    }

    @Test
    void shouldRejectTruncatedEthernetHeaderOfCompleteFrame()
    {
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class,
            () -> PacketDecoder.decode(FrameBuilder.frame(9, LinkType.ETHERNET, 0, new byte[13])));
        assertEquals("eth.type", ex.field());
        assertEquals(12, ex.offset());
    }

    @Test
    void shouldRejectWrongIpVersionAfterEtherType()
    {
        final byte[] frame = FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV6, IP4);
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class,
            () -> PacketDecoder.decode(FrameBuilder.frame(1, LinkType.ETHERNET, 0, frame)));
        assertEquals("ipv6.version", ex.field());
        assertEquals(14, ex.offset());
    }

    private static void assertSegment(
        final TcpSegment segment, final CapturedFrame frame, final String source, final String destination)
    {
        assertEquals(frame.number(), segment.frameNumber());
        assertEquals(frame.originalLength(), segment.frameLength());
        assertEquals(source, segment.source().address().getHostAddress(), frame::toString);
        assertEquals(destination, segment.destination().address().getHostAddress());
        assertEquals(1023, segment.source().port());
        assertEquals(988, segment.destination().port());
        assertEquals(0xFFFF_FFF0L, segment.sequence());
        assertEquals(7, segment.acknowledgment());
        assertEquals(TcpSegment.PSH | TcpSegment.ACK, segment.flags());
        assertArrayEquals(PAYLOAD, segment.payload(), frame::toString);
        assertEquals(PAYLOAD.length, segment.payloadLength());
    }

    private static byte[] v6(final String text)
    {
        try
        {
            return InetAddress.getByName(text).getAddress();
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
