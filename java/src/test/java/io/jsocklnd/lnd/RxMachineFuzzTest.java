package io.jsocklnd.lnd;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static io.jsocklnd.wire.WireConstants.LNET_MSG_ACK;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_GET;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_PUT;
import static io.jsocklnd.wire.WireConstants.LNET_MSG_REPLY;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Arbitrary byte streams through the receive state machine ({@link RxHarness}) in V1, V2 and V3, either byte order,
 * with and without checksums, split at arbitrary points, each payload delivered, truncated, dropped or awaited: the
 * machine throws nothing but {@code ProtocolException} (and the end-of-stream close), never reads or writes outside
 * the buffers it was given, takes and tells nothing more once it has failed or been closed, gives back its buffer,
 * and tells the same events whatever the pieces. A stream may be built from messages (checksummed when asked), with
 * damage on top; an undamaged one must give exactly the headers and payloads it was built from.
 *
 * <p>Input: version (1 + b % 3); flags (1 big-endian, 2 checksums, 4 built from messages, 8 end of stream); close at
 * a ZC-ACK (bit 7 set: at the ZC-ACK numbered 1 + b % 8); a count (b % 33) and that many piece sizes; a count
 * (b % 17) and that many decision bytes; the rest is the stream, or the program that builds it ({@link #build}).
 */
@Timeout(60)
class RxMachineFuzzTest
{
    private static final int MAX_STREAM = 256 * 1024;
    /** Past 4,096 pieces a stream comes in pieces as large as the buffers, so a run stays short. */
    private static final RxHarness HARNESS = new RxHarness(4096);

    @FuzzTest
    void fuzzRxMachine(final byte[] input)
    {
        final Input in = new Input(input);
        final int version = 1 + in.u8() % 3;
        final int flags = in.u8();
        final int ack = in.u8();
        final int closeAtAck = (ack & 0x80) != 0 ? 1 + (ack & 7) : 0;
        final byte[] splits = in.take(in.u8() % 33);
        final byte[] decisions = in.take(in.u8() % 17);
        final boolean endOfStream = (flags & 8) != 0;
        final RxStreams streams =
            new RxStreams(version, (flags & 1) != 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, (flags & 2) != 0);
        final byte[] stream;
        boolean undamaged = false;
        if ((flags & 4) != 0)
        {
            final Damage damage = new Damage();
            build(in, streams, damage);
            stream = damage.applyTo(streams.bytes());
            undamaged = damage.count == 0 && closeAtAck == 0 && decisions.length == 0;
        }
        else
        {
            stream = in.rest();
        }

        final List<String> whole =
            HARNESS.runWhole(streams.proto(), streams.order(), stream, decisions, closeAtAck, endOfStream);
        final List<String> pieces =
            HARNESS.run(streams.proto(), streams.order(), stream, splits, decisions, closeAtAck, endOfStream);
        assertEquals(whole, pieces, () -> "pieces " + Arrays.toString(splits));
        if (undamaged)
        {
            final List<String> expected = streams.expected();
            if (endOfStream)
            {
                expected.add("end of stream errno=0");
            }
            assertEquals(expected, whole);
        }
    }

    /**
     * Builds a stream from a program, one operation a byte: 0 a NOOP; 1 a PUT or REPLY with a made-up payload of up
     * to 128 KiB; 2 a GET or ACK; 3 up to 31 raw bytes; 4 one byte of damage somewhere in the stream; 5 a PUT with a
     * payload from the input. Cookies are mostly 0 to 3 (none, the keepalive, the first two request cookies).
     */
    private static void build(final Input in, final RxStreams streams, final Damage damage)
    {
        while (in.remaining() > 0 && streams.length() < MAX_STREAM)
        {
            switch (in.u8() % 6)
            {
                case 0:
                    streams.noop(in.cookie(), in.cookie());
                    if (streams.proto().framingLength() == 0)
                    {
                        damage.count++;
                    }
                    break;

                case 1:
                {
                    final int type = (in.u8() & 1) != 0 ? LNET_MSG_REPLY : LNET_MSG_PUT;
                    final int length = (in.u8() << 8 | in.u8()) * (1 + (in.u8() & 1));
                    streams.message(type, in.cookie(), in.cookie(), RxStreams.payload(length, in.u8()));
                    break;
                }

                case 2:
                    streams.message((in.u8() & 1) != 0 ? LNET_MSG_GET : LNET_MSG_ACK, in.cookie(), in.cookie(), new byte[0]);
                    break;

                case 3:
                    streams.raw(in.take(in.u8() % 32));
                    damage.count++;
                    break;

                case 4:
                    damage.add(in.u8() << 8 | in.u8(), in.u8() | 1);
                    break;

                default:
                    streams.message(LNET_MSG_PUT, in.cookie(), in.cookie(), in.take(in.u8()));
                    break;
            }
        }
    }

    /**
     * Bytes flipped in a built stream.
     */
    private static final class Damage
    {
        private final int[] positions = new int[64];
        private final int[] masks = new int[64];
        int count;

        void add(final int position, final int mask)
        {
            if (count < positions.length)
            {
                positions[count] = position;
                masks[count] = mask;
            }
            count++;
        }

        byte[] applyTo(final byte[] stream)
        {
            for (int i = 0; i < Math.min(count, positions.length) && stream.length > 0; i++)
            {
                stream[positions[i] % stream.length] ^= (byte)masks[i];
            }
            return stream;
        }
    }

    /**
     * The fuzzer's bytes, read in order; zeros once they run out.
     */
    private static final class Input
    {
        private final byte[] bytes;
        private int position;

        Input(final byte[] bytes)
        {
            this.bytes = bytes;
        }

        int remaining()
        {
            return bytes.length - position;
        }

        int u8()
        {
            return position < bytes.length ? bytes[position++] & 0xFF : 0;
        }

        byte[] take(final int length)
        {
            final int n = Math.min(length, remaining());
            final byte[] taken = Arrays.copyOfRange(bytes, position, position + n);
            position += n;
            return taken;
        }

        byte[] rest()
        {
            return take(remaining());
        }

        long cookie()
        {
            final int b = u8();
            if (b < 0xF0)
            {
                return b & 3;
            }
            long cookie = 0;
            for (int i = 0; i < 8; i++)
            {
                cookie = cookie << 8 | u8();
            }
            return cookie;
        }
    }
}
