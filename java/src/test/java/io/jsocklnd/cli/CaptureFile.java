package io.jsocklnd.cli;

import io.jsocklnd.pcap.CapturedFrame;
import io.jsocklnd.pcap.FrameBuilder;
import io.jsocklnd.pcap.LinkType;
import io.jsocklnd.pcap.PacketDecoder;
import io.jsocklnd.pcap.PcapWriter;
import io.jsocklnd.pcap.TcpSegment;
import io.jsocklnd.wire.AcceptorRequestFlyweight;
import io.jsocklnd.wire.HelloFlyweight;
import io.jsocklnd.wire.KsockMsgFlyweight;
import io.jsocklnd.wire.LnetHeaderFlyweight;
import io.jsocklnd.wire.Nid;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_LNET;
import static io.jsocklnd.wire.WireConstants.KSOCK_MSG_NOOP;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V4;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;

/**
 * Writes a classic pcap of one TCP conversation (client 10.0.0.2:1023, server 10.0.0.1:988, with its handshake)
 * from socklnd structures encoded with the wire codecs: each {@link #send} becomes one segment (a frame), in the
 * order sent, so frame numbers are known: 1..3 handshake, then one frame per send.
 */
final class CaptureFile
{
    static final String CLIENT_NID = "10.0.0.2@tcp";
    static final String SERVER_NID = "10.0.0.1@tcp";
    static final int PID = 12345;

    private static final byte[] CLIENT_IP = {10, 0, 0, 2};
    private static final byte[] SERVER_IP = {10, 0, 0, 1};
    private static final int CLIENT_PORT = 1023;
    private static final int SERVER_PORT = 988;

    private final List<CapturedFrame> frames = new ArrayList<>();
    private long clientSeq = 1000;
    private long serverSeq = 5000;

    CaptureFile()
    {
        frame(true, clientSeq - 1, TcpSegment.SYN, new byte[0]);
        frame(false, serverSeq - 1, TcpSegment.SYN | TcpSegment.ACK, new byte[0]);
        frame(true, clientSeq, TcpSegment.ACK, new byte[0]);
    }

    /**
     * @param fromClient direction.
     * @param parts      bytes, concatenated into one segment.
     * @return the frame number of the segment.
     */
    int send(final boolean fromClient, final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        final byte[] payload = out.toByteArray();
        if (fromClient)
        {
            frame(true, clientSeq, TcpSegment.ACK | TcpSegment.PSH, payload);
            clientSeq += payload.length;
        }
        else
        {
            frame(false, serverSeq, TcpSegment.ACK | TcpSegment.PSH, payload);
            serverSeq += payload.length;
        }
        return frames.size();
    }

    Path write(final Path file) throws IOException
    {
        Files.write(file, PcapWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, LinkType.ETHERNET, frames));
        return file;
    }

    private void frame(final boolean fromClient, final long seq, final int flags, final byte[] payload)
    {
        final byte[] tcp = fromClient ?
            FrameBuilder.tcp(CLIENT_PORT, SERVER_PORT, seq, serverSeq, flags, payload) :
            FrameBuilder.tcp(SERVER_PORT, CLIENT_PORT, seq, clientSeq, flags, payload);
        final byte[] ip = fromClient ?
            FrameBuilder.ipv4(CLIENT_IP, SERVER_IP, PacketDecoder.IPPROTO_TCP, tcp) :
            FrameBuilder.ipv4(SERVER_IP, CLIENT_IP, PacketDecoder.IPPROTO_TCP, tcp);
        final byte[] data = FrameBuilder.ethernet(PacketDecoder.ETHERTYPE_IPV4, ip);
        frames.add(FrameBuilder.frame(frames.size() + 1, LinkType.ETHERNET, 1_000_000_000L * (frames.size() + 1), data));
    }

    static byte[] connreq(final String target, final ByteOrder order)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[AcceptorRequestFlyweight.V1_LENGTH]);
        AcceptorRequestFlyweight.encodeV1(buffer, 0, Nid.parse(target), order);
        return buffer.byteArray();
    }

    static byte[] hello(
        final int version, final ByteOrder order, final String src, final String dst, final long incarnation,
        final int ctype)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final HelloFlyweight hello = new HelloFlyweight().wrapForEncode(buffer, 0, 256, version, order)
            .srcPid(PID).dstPid(0).srcIncarnation(incarnation).ctype(ctype).srcNid(Nid.parse(src));
        if (version != KSOCK_PROTO_V4 && version != 1)
        {
            hello.dstNid(Nid.parse(dst));
        }
        return Arrays.copyOf(buffer.byteArray(), hello.length());
    }

    static byte[] ksock(final ByteOrder order, final int type, final long cookie0, final long cookie1)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[KsockMsgFlyweight.LENGTH]);
        KsockMsgFlyweight.encode(buffer, 0, order, type, 0, cookie0, cookie1);
        return buffer.byteArray();
    }

    static byte[] noop(final ByteOrder order, final long cookie0, final long cookie1)
    {
        return ksock(order, KSOCK_MSG_NOOP, cookie0, cookie1);
    }

    /** nid4 PUT header (a V1 message as is) followed by its payload of 0x5a bytes. */
    static byte[] putMessage(final String dst, final String src, final long matchBits, final int payloadLength)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH + payloadLength]);
        new LnetHeaderFlyweight().wrapForEncode(buffer, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_PUT)
            .destNid(Nid.parse(dst)).srcNid(Nid.parse(src)).destPid(PID).srcPid(PID).payloadLength(payloadLength)
            .wmdInterfaceCookie(-1L).wmdObjectCookie(-1L).matchBits(matchBits).putHdrData(0x0102030405060708L)
            .putPtlIndex(26).putOffset(224);
        buffer.setMemory(LnetHeaderFlyweight.LENGTH, payloadLength, (byte)0x5a);
        return buffer.byteArray();
    }

    /** nid4 ACK header. */
    static byte[] ackMessage(final String dst, final String src, final long matchBits)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LnetHeaderFlyweight.LENGTH]);
        new LnetHeaderFlyweight().wrapForEncode(buffer, 0, LnetHeaderFlyweight.LENGTH, LNET_MSG_ACK)
            .destNid(Nid.parse(dst)).srcNid(Nid.parse(src)).destPid(PID).srcPid(PID)
            .wmdInterfaceCookie(0x1122334455667788L).wmdObjectCookie(99).matchBits(matchBits).ackMlength(4096);
        return buffer.byteArray();
    }

    /** V2+ LNET message: ksock header then a PUT with payload. */
    static byte[] lnetPut(
        final ByteOrder order, final String dst, final String src, final long matchBits, final int payloadLength,
        final long cookie0, final long cookie1)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ksock(order, KSOCK_MSG_LNET, cookie0, cookie1));
        out.writeBytes(putMessage(dst, src, matchBits, payloadLength));
        return out.toByteArray();
    }

    /** V2+ LNET message: ksock header then an ACK. */
    static byte[] lnetAck(final ByteOrder order, final String dst, final String src, final long matchBits,
        final long cookie1)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ksock(order, KSOCK_MSG_LNET, 0, cookie1));
        out.writeBytes(ackMessage(dst, src, matchBits));
        return out.toByteArray();
    }
}
