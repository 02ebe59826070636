package io.jsocklnd.decode;

import io.jsocklnd.pcap.Endpoint;
import io.jsocklnd.pcap.TcpConversation;
import io.jsocklnd.pcap.TcpReassembler;
import io.jsocklnd.pcap.TcpSegment;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Builds a TCP conversation from the bytes of its two directions: client 10.0.0.2:1023, server 10.0.0.1:988,
 * each direction cut into 100-byte segments, optionally with the handshake and with some segments left out.
 */
final class Conversations
{
    static final int SEGMENT = 100;
    static final Endpoint CLIENT = endpoint("10.0.0.2", 1023);
    static final Endpoint SERVER = endpoint("10.0.0.1", 988);

    private Conversations()
    {
    }

    static TcpConversation of(final byte[] c2s, final byte[] s2c, final boolean handshake)
    {
        return of(c2s, s2c, handshake, Set.of());
    }

    /**
     * @param dropped indexes of c2s segments (0-based, 100 bytes each) not captured.
     */
    static TcpConversation of(final byte[] c2s, final byte[] s2c, final boolean handshake, final Set<Integer> dropped)
    {
        return of(c2s, s2c, handshake, dropped, Set.of());
    }

    /**
     * @param dropped    indexes of c2s segments (0-based, 100 bytes each) not captured.
     * @param droppedS2c indexes of s2c segments not captured.
     */
    static TcpConversation of(
        final byte[] c2s, final byte[] s2c, final boolean handshake, final Set<Integer> dropped,
        final Set<Integer> droppedS2c)
    {
        final List<TcpSegment> segments = new ArrayList<>();
        if (handshake)
        {
            segments.add(segment(segments.size() + 1, CLIENT, SERVER, 999, TcpSegment.SYN, new byte[0]));
            segments.add(segment(segments.size() + 1, SERVER, CLIENT, 4999, TcpSegment.SYN | TcpSegment.ACK, new byte[0]));
        }
        for (int i = 0; i * SEGMENT < c2s.length; i++)
        {
            if (!dropped.contains(i))
            {
                segments.add(segment(segments.size() + 1, CLIENT, SERVER, 1000 + i * SEGMENT, TcpSegment.ACK,
                    Arrays.copyOfRange(c2s, i * SEGMENT, Math.min(c2s.length, (i + 1) * SEGMENT))));
            }
        }
        for (int i = 0; i * SEGMENT < s2c.length; i++)
        {
            if (droppedS2c.contains(i))
            {
                continue;
            }
            segments.add(segment(segments.size() + 1, SERVER, CLIENT, 5000 + i * SEGMENT, TcpSegment.ACK,
                Arrays.copyOfRange(s2c, i * SEGMENT, Math.min(s2c.length, (i + 1) * SEGMENT))));
        }
        final List<TcpConversation> conversations = TcpReassembler.reassemble(segments);
        if (conversations.size() != 1)
        {
            throw new AssertionError("expected one conversation: " + conversations);
        }
        return conversations.get(0);
    }

    /**
     * Asserts that the records of each direction follow one another from offset 0 to the end of the direction.
     */
    static void assertTiled(final TcpConversation conversation, final List<DecodedRecord> records)
    {
        for (final StreamDirection sense : StreamDirection.values())
        {
            final int length = sense == StreamDirection.C2S ?
                conversation.clientToServer().length() : conversation.serverToClient().length();
            int at = 0;
            for (final DecodedRecord record : records)
            {
                if (record.direction() == sense)
                {
                    org.junit.jupiter.api.Assertions.assertEquals(at, record.streamOffset(), record::toString);
                    at += record.streamLength();
                }
            }
            org.junit.jupiter.api.Assertions.assertEquals(length, at, sense.text());
        }
    }

    static List<DecodedRecord> of(final List<DecodedRecord> records, final StreamDirection sense)
    {
        return records.stream().filter(r -> r.direction() == sense).toList();
    }

    private static TcpSegment segment(
        final int frame, final Endpoint from, final Endpoint to, final long sequence, final int flags, final byte[] payload)
    {
        return new TcpSegment(frame, 54 + payload.length, from, to, sequence, 0, flags, payload, payload.length);
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
