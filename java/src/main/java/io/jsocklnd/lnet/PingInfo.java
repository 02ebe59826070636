package io.jsocklnd.lnet;

import io.jsocklnd.wire.Nid;
import io.jsocklnd.wire.ProtocolException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.jsocklnd.wire.WireConstants.LNET_NI_STATUS_DOWN;
import static io.jsocklnd.wire.WireConstants.LNET_NI_STATUS_UP;
import static io.jsocklnd.wire.WireConstants.LNET_PING_FEAT_NI_STATUS;
import static io.jsocklnd.wire.WireConstants.LNET_PROTO_PING_MAGIC;

/**
 * The payload of a ping reply ({@code struct lnet_ping_info}), in the sender's byte order (detected by the
 * magic, as {@code lnet_swap_pinginfo} does):
 * <pre>
 *   0 pi_magic | 4 pi_features | 8 pi_pid | 12 pi_nnis | 16 pi_ni[pi_nnis] (16 bytes each)
 *   pi_ni[i]:  0 ns_nid (nid4) | 8 ns_status | 12 ns_msg_size
 * </pre>
 * Entry 0 is always {@code 0@lo}, its {@code ns_status} carrying the ping buffer's sequence number; the
 * node's real NIDs follow, primary first.
 */
public final class PingInfo
{
    /** Offset of {@code pi_magic}. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of {@code pi_features}. */
    public static final int FEATURES_OFFSET = MAGIC_OFFSET + 4;
    /** Offset of {@code pi_pid}. */
    public static final int PID_OFFSET = FEATURES_OFFSET + 4;
    /** Offset of {@code pi_nnis}. */
    public static final int NNIS_OFFSET = PID_OFFSET + 4;
    /** Offset of {@code pi_ni[0]}. */
    public static final int NI_OFFSET = NNIS_OFFSET + 4;
    /** Size of {@code struct lnet_ping_info} without entries. */
    public static final int HEADER_LENGTH = NI_OFFSET;
    /** Offset of {@code ns_nid} in an entry. */
    public static final int NS_NID_OFFSET = 0;
    /** Offset of {@code ns_status} in an entry. */
    public static final int NS_STATUS_OFFSET = NS_NID_OFFSET + 8;
    /** Offset of {@code ns_msg_size} in an entry. */
    public static final int NS_MSG_SIZE_OFFSET = NS_STATUS_OFFSET + 4;
    /** Size of {@code struct lnet_ni_status}. */
    public static final int NI_STATUS_LENGTH = NS_MSG_SIZE_OFFSET + 4;

    private static final String CONTEXT = "bad ping info";

    /**
     * One entry of {@code pi_ni} ({@code struct lnet_ni_status}).
     *
     * @param nid     {@code ns_nid}.
     * @param status  {@code ns_status}: {@code LNET_NI_STATUS_UP} or {@code _DOWN} (the sequence number for 0@lo).
     * @param msgSize {@code ns_msg_size}.
     */
    public record NiStatus(long nid, int status, int msgSize)
    {
        /**
         * @return "up", "down", or the value in hex.
         */
        public String statusText()
        {
            if (status == LNET_NI_STATUS_UP)
            {
                return "up";
            }
            if (status == LNET_NI_STATUS_DOWN)
            {
                return "down";
            }
            return "0x" + Integer.toHexString(status);
        }

        public String toString()
        {
            return Nid.toString(nid) + " " + statusText();
        }
    }

    private final boolean swapped;
    private final int features;
    private final int pid;
    private final int nnis;
    private final List<NiStatus> entries;

    private PingInfo(final boolean swapped, final int features, final int pid, final int nnis, final List<NiStatus> entries)
    {
        this.swapped = swapped;
        this.features = features;
        this.pid = pid;
        this.nnis = nnis;
        this.entries = entries;
    }

    /**
     * Decode and check a ping info as {@code lnet_ping_info_validate} does: magic (either byte order), the
     * NI_STATUS feature, {@code 1 <= pi_nnis <= maxInterfaces}, entry 0 = {@code 0@lo}. Entries beyond
     * {@code length} (a truncated reply) are left out.
     *
     * @param buffer        the reply payload.
     * @param offset        its first byte.
     * @param length        bytes received.
     * @param maxInterfaces most entries accepted ({@code lnet_interfaces_max}).
     * @return the info.
     * @throws ProtocolException when it fails a check.
     */
    public static PingInfo decode(final DirectBuffer buffer, final int offset, final int length, final int maxInterfaces)
    {
        if (length < HEADER_LENGTH + NI_STATUS_LENGTH)
        {
            throw ProtocolException.shortBuffer(CONTEXT, length, HEADER_LENGTH + NI_STATUS_LENGTH);
        }
        final int rawMagic = buffer.getInt(offset + MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final ByteOrder order;
        if (rawMagic == LNET_PROTO_PING_MAGIC)
        {
            order = ByteOrder.LITTLE_ENDIAN;
        }
        else if (rawMagic == Integer.reverseBytes(LNET_PROTO_PING_MAGIC))
        {
            order = ByteOrder.BIG_ENDIAN;
        }
        else
        {
            throw ProtocolException.hex(CONTEXT, "pi_magic", rawMagic & 0xFFFF_FFFFL, null);
        }
        final int features = buffer.getInt(offset + FEATURES_OFFSET, order);
        if ((features & LNET_PING_FEAT_NI_STATUS) == 0)
        {
            throw ProtocolException.hex(CONTEXT, "pi_features", features & 0xFFFF_FFFFL, "ni_status missing");
        }
        final int pid = buffer.getInt(offset + PID_OFFSET, order);
        final int nnis = buffer.getInt(offset + NNIS_OFFSET, order);
        if (nnis < 1 || nnis > maxInterfaces)
        {
            throw new ProtocolException(CONTEXT, "pi_nnis", nnis & 0xFFFF_FFFFL, "max=" + maxInterfaces);
        }
        final int present = Math.min(nnis, (length - HEADER_LENGTH) / NI_STATUS_LENGTH);
        final List<NiStatus> entries = new ArrayList<>(present);
        for (int i = 0; i < present; i++)
        {
            final int at = offset + NI_OFFSET + i * NI_STATUS_LENGTH;
            entries.add(new NiStatus(buffer.getLong(at + NS_NID_OFFSET, order), buffer.getInt(at + NS_STATUS_OFFSET, order),
                buffer.getInt(at + NS_MSG_SIZE_OFFSET, order)));
        }
        if (entries.get(0).nid() != Nid.LO)
        {
            throw ProtocolException.hex(CONTEXT, "pi_ni[0].ns_nid", entries.get(0).nid(), "not 0@lo");
        }
        return new PingInfo(order == ByteOrder.BIG_ENDIAN, features, pid, nnis, Collections.unmodifiableList(entries));
    }

    /**
     * Write a ping info, little-endian: entry 0 {@code 0@lo} with the sequence number, then each NID up.
     *
     * @param buffer   destination.
     * @param offset   first byte.
     * @param features {@code pi_features}.
     * @param pid      {@code pi_pid}.
     * @param sequence the sequence number carried in entry 0's {@code ns_status}.
     * @param nids     the node's NIDs, primary first.
     * @return bytes written.
     */
    public static int encode(
        final MutableDirectBuffer buffer, final int offset, final int features, final int pid, final int sequence,
        final long... nids)
    {
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        final int length = length(nids.length + 1);
        buffer.setMemory(offset, length, (byte)0);
        buffer.putInt(offset + MAGIC_OFFSET, LNET_PROTO_PING_MAGIC, le);
        buffer.putInt(offset + FEATURES_OFFSET, features, le);
        buffer.putInt(offset + PID_OFFSET, pid, le);
        buffer.putInt(offset + NNIS_OFFSET, nids.length + 1, le);
        buffer.putLong(offset + NI_OFFSET + NS_NID_OFFSET, Nid.LO, le);
        buffer.putInt(offset + NI_OFFSET + NS_STATUS_OFFSET, sequence, le);
        for (int i = 0; i < nids.length; i++)
        {
            final int at = offset + NI_OFFSET + (i + 1) * NI_STATUS_LENGTH;
            buffer.putLong(at + NS_NID_OFFSET, nids[i], le);
            buffer.putInt(at + NS_STATUS_OFFSET, LNET_NI_STATUS_UP, le);
        }
        return length;
    }

    /**
     * @param entries entries including 0@lo.
     * @return bytes of a ping info with that many nid4 entries ({@code LNET_PING_INFO_SIZE}).
     */
    public static int length(final int entries)
    {
        return HEADER_LENGTH + entries * NI_STATUS_LENGTH;
    }

    /**
     * @return whether the sender wrote it big-endian (byte-swapped relative to us).
     */
    public boolean swapped()
    {
        return swapped;
    }

    /**
     * @return {@code pi_features}.
     */
    public int features()
    {
        return features;
    }

    /**
     * @return {@code pi_pid}.
     */
    public int pid()
    {
        return pid;
    }

    /**
     * @return {@code pi_nnis} as announced (more than {@link #entries()} holds when the reply was truncated).
     */
    public int nnis()
    {
        return nnis;
    }

    /**
     * @return the entries received, 0@lo first.
     */
    public List<NiStatus> entries()
    {
        return entries;
    }

    /**
     * @return the ping buffer sequence number (entry 0's {@code ns_status}).
     */
    public int sequence()
    {
        return entries.get(0).status();
    }

    /**
     * @return the node's interfaces: every entry after 0@lo.
     */
    public List<NiStatus> interfaces()
    {
        return entries.subList(1, entries.size());
    }

    /**
     * @return the feature bits by name, e.g. {@code NI_STATUS|RTE_DISABLED}.
     */
    public String featureText()
    {
        final String[] names = {"BASE", "NI_STATUS", "RTE_DISABLED", "MULTI_RAIL", "DISCOVERY", "LARGE_ADDR",
            "PRIMARY_LARGE", "METADATA"};
        final StringBuilder text = new StringBuilder();
        for (int bit = 0; bit < 32; bit++)
        {
            if ((features & (1 << bit)) != 0)
            {
                if (text.length() > 0)
                {
                    text.append('|');
                }
                text.append(bit < names.length ? names[bit] : "0x" + Integer.toHexString(1 << bit));
            }
        }
        return text.toString();
    }
}
