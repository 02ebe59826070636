package io.jsocklnd.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.jsocklnd.pcap.TcpSegment.ACK;
import static io.jsocklnd.pcap.TcpSegment.FIN;
import static io.jsocklnd.pcap.TcpSegment.PSH;
import static io.jsocklnd.pcap.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP reassembly: order, retransmission, overlap, gaps, sequence wrap, stream numbering and the client side.
 */
@Timeout(10)
class TcpReassemblerTest
{
    private static final Endpoint CLIENT = endpoint("10.0.0.2", 1023);
    private static final Endpoint SERVER = endpoint("10.0.0.1", 988);

    private final List<TcpSegment> segments = new ArrayList<>();

    @Test
    void shouldReassembleInOrderStreamAfterHandshake()
    {
        send(CLIENT, SERVER, 1000, SYN, "");
        send(SERVER, CLIENT, 5000, SYN | ACK, "");
        send(CLIENT, SERVER, 1001, ACK, "");
        send(CLIENT, SERVER, 1001, PSH | ACK, "hello ");
        send(SERVER, CLIENT, 5001, PSH | ACK, "reply");
        send(CLIENT, SERVER, 1007, PSH | ACK, "world");
        send(CLIENT, SERVER, 1012, FIN | ACK, "");

        final List<TcpConversation> conversations = TcpReassembler.reassemble(segments);

        assertEquals(1, conversations.size());
        final TcpConversation conversation = conversations.get(0);
        assertEquals(0, conversation.streamIndex());
        assertEquals(CLIENT, conversation.client());
        assertEquals(SERVER, conversation.server());
        assertEquals(TcpConversation.ClientRule.SYN, conversation.clientRule());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), conversation.frameNumbers());

        final TcpDirection c2s = conversation.clientToServer();
        assertEquals("hello world", text(c2s));
        assertTrue(c2s.synSeen());
        assertTrue(c2s.finSeen());
        assertEquals(1000, c2s.initialSequence());
        assertEquals(1001, c2s.baseSequence());
        assertEquals(5, c2s.frameCount());
        assertEquals(11, c2s.payloadBytes());
        assertEquals(List.of(new TcpDirection.Chunk(4, 0, 6), new TcpDirection.Chunk(6, 6, 5)), c2s.chunks());
        assertEquals(4, c2s.frameAt(5));
        assertEquals(6, c2s.frameAt(6));
        assertEquals(4, c2s.firstFrame(3, 5));
        assertEquals(6, c2s.lastFrame(3, 5));
        assertEquals(4, c2s.lastFrame(0, 6));
        assertTrue(c2s.gaps().isEmpty());
        assertEquals("reply", text(conversation.serverToClient()));
    }

    @Test
    void shouldPutOutOfOrderAndRetransmittedSegmentsInPlace()
    {
        send(CLIENT, SERVER, 1000, SYN, "");
        send(CLIENT, SERVER, 1001, ACK, "ABCD");
        send(CLIENT, SERVER, 1009, ACK, "IJKL");
        send(CLIENT, SERVER, 1005, ACK, "EFGH");
        send(CLIENT, SERVER, 1003, ACK, "CDEF");
        send(CLIENT, SERVER, 1011, ACK, "KLMN");

        final TcpDirection c2s = TcpReassembler.reassemble(segments).get(0).clientToServer();

        assertEquals("ABCDEFGHIJKLMN", text(c2s));
        assertTrue(c2s.gaps().isEmpty());
        assertTrue(c2s.conflicts().isEmpty());
        assertEquals(List.of(
            new TcpDirection.Chunk(2, 0, 4), new TcpDirection.Chunk(4, 4, 4), new TcpDirection.Chunk(3, 8, 4),
            new TcpDirection.Chunk(6, 12, 2)), c2s.chunks());
        assertEquals(4, c2s.lastFrame(0, 12));
        assertEquals(6, c2s.lastFrame(0, 14));
        assertEquals(2, c2s.firstFrame(2, 8));
        assertEquals(5, c2s.segments().size());
        assertEquals(new TcpDirection.Segment(5, 2, 4, 4), c2s.segments().get(3));
    }

    @Test
    void shouldListBytesNeverCapturedAsGaps()
    {
        send(CLIENT, SERVER, 1000, SYN, "");
        send(CLIENT, SERVER, 1003, ACK, "CD");
        send(CLIENT, SERVER, 1007, ACK, "GH");

        final TcpDirection c2s = TcpReassembler.reassemble(segments).get(0).clientToServer();

        assertEquals(8, c2s.length());
        assertEquals(List.of(new TcpDirection.Gap(0, 2), new TcpDirection.Gap(4, 2)), c2s.gaps());
        assertEquals(-1, c2s.frameAt(0));
        assertEquals(-1, c2s.frameAt(5));
        assertEquals(2, c2s.frameAt(3));
        assertFalse(c2s.isCaptured(0, 4));
        assertTrue(c2s.isCaptured(2, 2));
        assertFalse(c2s.isCaptured(6, 3));
    }

    @Test
    void shouldKeepFirstCaptureOfBytesAndReportDisagreeingRetransmission()
    {
        send(CLIENT, SERVER, 1000, SYN, "");
        send(CLIENT, SERVER, 1001, ACK, "ABCD");
        send(CLIENT, SERVER, 1002, ACK, "BxDE");

        final TcpDirection c2s = TcpReassembler.reassemble(segments).get(0).clientToServer();

        assertEquals("ABCDE", text(c2s));
        assertEquals(List.of(new TcpDirection.Conflict(3, 2)), c2s.conflicts());
    }

    @Test
    void shouldStartMidStreamAtLowestCapturedSequence()
    {
        send(CLIENT, SERVER, 70_002, ACK, "XY");
        send(SERVER, CLIENT, 9_000, ACK, "srv");
        send(CLIENT, SERVER, 70_000, ACK, "UV");

        final TcpConversation conversation = TcpReassembler.reassemble(segments).get(0);
        final TcpDirection c2s = conversation.clientToServer();

        assertEquals(TcpConversation.ClientRule.ACCEPTOR_PORT, conversation.clientRule());
        assertEquals(CLIENT, conversation.client());
        assertFalse(c2s.synSeen());
        assertEquals(-1, c2s.initialSequence());
        assertEquals(70_000, c2s.baseSequence());
        assertEquals("UVXY", text(c2s));
        assertEquals(3, c2s.firstFrame(0, 4));
        assertEquals(1, c2s.firstFrame(2, 2));
    }

    @Test
    void shouldReassembleAcrossSequenceWrap()
    {
        send(CLIENT, SERVER, 0xFFFF_FFFEL, SYN, "");
        send(CLIENT, SERVER, 0xFFFF_FFFFL, ACK, "AB");
        send(CLIENT, SERVER, 1, ACK, "CD");

        final TcpDirection c2s = TcpReassembler.reassemble(segments).get(0).clientToServer();

        assertEquals("ABCD", text(c2s));
        assertTrue(c2s.gaps().isEmpty());
    }

    @Test
    void shouldNumberStreamsByFirstFrameAndSplitOnPortReuse()
    {
        final Endpoint other = endpoint("10.0.0.3", 1022);
        send(CLIENT, SERVER, 100, SYN, "");
        send(other, SERVER, 7, SYN, "");
        send(CLIENT, SERVER, 100, SYN, "");
        send(CLIENT, SERVER, 101, ACK, "one");
        send(CLIENT, SERVER, 900, SYN, "");
        send(CLIENT, SERVER, 901, ACK, "two");
        send(other, SERVER, 8, ACK, "three");

        final List<TcpConversation> conversations = TcpReassembler.reassemble(segments);

        assertEquals(3, conversations.size());
        assertEquals(List.of(1, 3, 4), conversations.get(0).frameNumbers());
        assertEquals("one", text(conversations.get(0).clientToServer()));
        assertEquals(List.of(2, 7), conversations.get(1).frameNumbers());
        assertEquals("three", text(conversations.get(1).clientToServer()));
        assertEquals(List.of(5, 6), conversations.get(2).frameNumbers());
        assertEquals("two", text(conversations.get(2).clientToServer()));
        assertEquals(2, conversations.get(2).streamIndex());
    }

    @Test
    void shouldTakeClientFromSynAckWhenSynWasMissed()
    {
        final Endpoint high = endpoint("10.0.0.9", 40000);
        final Endpoint low = endpoint("10.0.0.8", 5000);
        send(low, high, 77, SYN | ACK, "");
        send(high, low, 12, ACK, "x");

        final TcpConversation conversation = TcpReassembler.reassemble(segments).get(0);

        assertEquals(TcpConversation.ClientRule.SYN, conversation.clientRule());
        assertEquals(high, conversation.client());
        assertEquals(low, conversation.endpointA());
    }

    @Test
    void shouldFallBackToFirstSenderAsClient()
    {
        final Endpoint a = endpoint("10.0.0.9", 40000);
        final Endpoint b = endpoint("10.0.0.8", 5000);
        send(b, a, 77, ACK, "z");
        send(a, b, 12, ACK, "x");

        final TcpConversation conversation = TcpReassembler.reassemble(segments).get(0);

        assertEquals(TcpConversation.ClientRule.FIRST_FRAME, conversation.clientRule());
        assertEquals(b, conversation.client());
        assertEquals("z", text(conversation.clientToServer()));
    }

    @Test
    void shouldLeaveUncapturedTailOfSnapCutSegmentAsGap()
    {
        send(CLIENT, SERVER, 1000, SYN, "");
        segments.add(new TcpSegment(segments.size() + 1, 100, CLIENT, SERVER, 1001, 0, ACK,
            "ABC".getBytes(StandardCharsets.US_ASCII), 6));
        send(CLIENT, SERVER, 1007, ACK, "G");

        final TcpDirection c2s = TcpReassembler.reassemble(segments).get(0).clientToServer();

        assertEquals(7, c2s.length());
        assertEquals(List.of(new TcpDirection.Gap(3, 3)), c2s.gaps());
        assertArrayEquals("ABC\0\0\0G".getBytes(StandardCharsets.US_ASCII), c2s.bytes());
    }

    @Test
    void shouldRefuseDirectionLongerThanTheLimitNamingTheFrame()
    {
        send(CLIENT, SERVER, 1000, SYN, "");
        send(CLIENT, SERVER, 1001, ACK, "A");
        send(CLIENT, SERVER, 1001 + 5000, ACK, "B");

        final IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> TcpReassembler.reassemble(segments, 4096));

        assertEquals("tcp direction too long: frame=3 seq=6001 base=1001 end=5001 max=4096", ex.getMessage());
        assertEquals(5001, TcpReassembler.reassemble(segments, 5001).get(0).clientToServer().length());
    }

    private void send(final Endpoint from, final Endpoint to, final long sequence, final int flags, final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.US_ASCII);
        segments.add(new TcpSegment(segments.size() + 1, 54 + bytes.length, from, to, sequence, 0, flags, bytes,
            bytes.length));
    }

    private static String text(final TcpDirection direction)
    {
        return new String(direction.bytes(), StandardCharsets.US_ASCII);
    }

    private static Endpoint endpoint(final String address, final int port)
    {
        try
        {
            return new Endpoint(InetAddress.getByName(address), port);
        }
        catch (final UnknownHostException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
