package io.jsocklnd.pcap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP conversations of the two shared captures against tshark: stream index of every frame, the
 * {@code -z conv,tcp} table (frames and bytes per direction), exact per-direction sums of {@code frame.len} and
 * {@code tcp.len}, and the reassembled bytes of every direction against {@code -z follow,tcp,raw}.
 */
@Timeout(120)
class SharedCaptureConversationsTest
{
    private static final Pattern CONV_ROW = Pattern.compile(
        "^(\\S+)\\s+<->\\s+(\\S+)\\s+(\\d+)\\s+(\\d+ \\S+)\\s+(\\d+)\\s+(\\d+ \\S+)\\s+(\\d+)\\s+(\\d+ \\S+)\\s+.*$");

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldNumberStreamsAsTshark(final String name) throws IOException
    {
        final Path file = SharedCaptures.path(name);
        final List<TcpConversation> conversations = CaptureReader.read(file).conversations();
        final Map<Integer, Integer> streamOfFrame = new HashMap<>();
        for (final TcpConversation conversation : conversations)
        {
            for (final int frame : conversation.frameNumbers())
            {
                streamOfFrame.put(frame, conversation.streamIndex());
            }
        }

        final List<Tshark.Row> rows = Tshark.fields(file, List.of(), "frame.number", "tcp.stream");

        int tcpFrames = 0;
        for (final Tshark.Row row : rows)
        {
            final int frame = (int)row.number("frame.number");
            final String stream = row.one("tcp.stream");
            if (stream == null)
            {
                assertFalse(streamOfFrame.containsKey(frame), "frame " + frame + " is not TCP for tshark");
                continue;
            }
            tcpFrames++;
            assertEquals(Integer.valueOf(stream), streamOfFrame.get(frame), "frame " + frame);
        }
        assertEquals(tcpFrames, streamOfFrame.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldCountFramesAndBytesPerDirectionAsTsharkConversationTable(final String name) throws IOException
    {
        final Path file = SharedCaptures.path(name);
        final List<TcpConversation> conversations = CaptureReader.read(file).conversations();

        final Map<String, Matcher> table = new HashMap<>();
        for (final String line : Tshark.run("-r", file.toString(), "-n", "-q", "-z", "conv,tcp").split("\n"))
        {
            final Matcher m = CONV_ROW.matcher(line);
            if (m.matches())
            {
                table.put(m.group(1) + " " + m.group(2), m);
            }
        }

        assertEquals(table.size(), conversations.size());
        for (final TcpConversation conversation : conversations)
        {
            final Matcher row = table.get(conversation.endpointA() + " " + conversation.endpointB());
            assertNotNull(row, () -> "tshark has no row for " + conversation + " in " + table.keySet());
            final TcpDirection aToB = conversation.aToB();
            final TcpDirection bToA = conversation.bToA();
            // Columns: "<-" (B to A) frames and bytes, "->" (A to B) frames and bytes, total frames and bytes.
            assertEquals(Integer.parseInt(row.group(3)), bToA.frameCount(), conversation::toString);
            assertEquals(row.group(4), wiresharkSize(bToA.frameBytes()), conversation::toString);
            assertEquals(Integer.parseInt(row.group(5)), aToB.frameCount(), conversation::toString);
            assertEquals(row.group(6), wiresharkSize(aToB.frameBytes()), conversation::toString);
            assertEquals(Integer.parseInt(row.group(7)), conversation.frameNumbers().size());
            assertEquals(row.group(8), wiresharkSize(aToB.frameBytes() + bToA.frameBytes()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldSumFrameAndPayloadBytesPerDirectionExactlyAsTshark(final String name) throws IOException
    {
        final Path file = SharedCaptures.path(name);
        final List<TcpConversation> conversations = CaptureReader.read(file).conversations();
        final Map<String, long[]> sums = new HashMap<>();
        for (final Tshark.Row row : Tshark.fields(file, List.of("-Y", "tcp"),
            "tcp.stream", "ip.src", "tcp.srcport", "frame.len", "tcp.len"))
        {
            final long[] sum = sums.computeIfAbsent(
                row.one("tcp.stream") + " " + row.one("ip.src") + ":" + row.one("tcp.srcport"), k -> new long[3]);
            sum[0]++;
            sum[1] += row.number("frame.len");
            sum[2] += row.number("tcp.len");
        }

        int directions = 0;
        for (final TcpConversation conversation : conversations)
        {
            for (final TcpDirection direction : List.of(conversation.aToB(), conversation.bToA()))
            {
                final long[] sum = sums.get(conversation.streamIndex() + " " + direction.source());
                if (sum == null)
                {
                    assertEquals(0, direction.frameCount());
                    continue;
                }
                directions++;
                assertEquals(sum[0], direction.frameCount(), direction::toString);
                assertEquals(sum[1], direction.frameBytes(), direction::toString);
                assertEquals(sum[2], direction.payloadBytes(), direction::toString);
            }
        }
        assertEquals(sums.size(), directions);
    }

    @ParameterizedTest
    @ValueSource(strings = {SharedCaptures.NDPI, SharedCaptures.SYNTH})
    void shouldReassembleEveryDirectionToTheBytesTsharkFollows(final String name) throws IOException
    {
        final Path file = SharedCaptures.path(name);
        final List<TcpConversation> conversations = CaptureReader.read(file).conversations();

        for (final TcpConversation conversation : conversations)
        {
            final String out = Tshark.run(
                "-r", file.toString(), "-n", "-q", "-z", "follow,tcp,raw," + conversation.streamIndex());
            String node0 = null;
            final ByteArrayOutputStream fromNode0 = new ByteArrayOutputStream();
            final ByteArrayOutputStream fromNode1 = new ByteArrayOutputStream();
            for (final String line : out.split("\n"))
            {
                if (line.startsWith("Node 0: "))
                {
                    node0 = line.substring("Node 0: ".length()).trim();
                }
                else if (line.matches("\t[0-9a-f]+"))
                {
                    fromNode1.writeBytes(HexFormat.of().parseHex(line.trim()));
                }
                else if (line.matches("[0-9a-f]+"))
                {
                    fromNode0.writeBytes(HexFormat.of().parseHex(line));
                }
            }
            assertNotNull(node0, out);
            final boolean node0IsA = node0.equals(conversation.endpointA().toString());
            assertTrue(node0IsA || node0.equals(conversation.endpointB().toString()), node0);
            final TcpDirection fromZero = node0IsA ? conversation.aToB() : conversation.bToA();
            final TcpDirection fromOne = node0IsA ? conversation.bToA() : conversation.aToB();
            assertTrue(fromZero.gaps().isEmpty() && fromOne.gaps().isEmpty(), conversation::toString);
            assertArrayEquals(fromNode0.toByteArray(), fromZero.bytes(), conversation::toString);
            assertArrayEquals(fromNode1.toByteArray(), fromOne.bytes(), conversation::toString);
        }
    }

    @Test
    void shouldKnowWhichSideOpenedEachConversation() throws IOException
    {
        final List<TcpConversation> ndpi = CaptureReader.read(SharedCaptures.ndpi()).conversations();
        final List<TcpConversation> synth = CaptureReader.read(SharedCaptures.synth()).conversations();

        assertEquals(2, ndpi.size());
        assertEquals(TcpConversation.ClientRule.SYN, ndpi.get(0).clientRule());
        assertEquals("192.168.88.132:1022", ndpi.get(0).client().toString());
        assertTrue(ndpi.get(0).clientToServer().synSeen());
        // The second ndpi conversation was captured without its handshake.
        assertEquals(TcpConversation.ClientRule.ACCEPTOR_PORT, ndpi.get(1).clientRule());
        assertEquals("192.168.88.118:1023", ndpi.get(1).client().toString());
        assertFalse(ndpi.get(1).clientToServer().synSeen());
        assertFalse(ndpi.get(1).serverToClient().synSeen());
        assertEquals(3, synth.size());
        for (final TcpConversation conversation : synth)
        {
            assertEquals(TcpConversation.ClientRule.SYN, conversation.clientRule());
            assertEquals(988, conversation.server().port());
        }
    }

    /**
     * Wireshark's {@code format_size} with SI prefixes as the conversation table prints it: the integer quotient
     * by the largest power of 1000 that leaves at least 10.
     */
    static String wiresharkSize(final long bytes)
    {
        final String[] units = {"bytes", "kB", "MB", "GB", "TB"};
        long power = 1;
        int unit = 0;
        for (int i = 1; i < units.length; i++)
        {
            if (bytes / (power * 1000) >= 10)
            {
                power *= 1000;
                unit = i;
            }
        }
        return (bytes / power) + " " + units[unit];
    }

    @Test
    void shouldFormatSizesAsWireshark()
    {
        final List<String> formatted = new ArrayList<>();
        for (final long n : new long[] {0, 9999, 10_000, 73_404, 9_999_999, 10_000_000})
        {
            formatted.add(wiresharkSize(n));
        }
        assertEquals(List.of("0 bytes", "9999 bytes", "10 kB", "73 kB", "9999 kB", "10 MB"), formatted);
    }
}
