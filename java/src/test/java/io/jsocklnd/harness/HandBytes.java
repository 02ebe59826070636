package io.jsocklnd.harness;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * socklnd bytes written by hand from {@code shared/PROTOCOL.md}, field by field at the offsets it gives, and
 * fields read back the same way: what a kernel peer would write and read, independent of the project's own
 * codecs. Everything is little-endian, as an x86 kernel writes it.
 */
public final class HandBytes
{
    /** {@code LNET_PROTO_ACCEPTOR_MAGIC} (§1). */
    public static final int ACCEPTOR_MAGIC = 0xacce7100;
    /** {@code LNET_PROTO_MAGIC}, the V2/V3 hello magic (§1). */
    public static final int PROTO_MAGIC = 0x45726963;
    /** {@code LNET_PROTO_TCP_MAGIC}, the V1 hello magic (§1). */
    public static final int TCP_MAGIC = 0xeebc0ded;
    /** {@code LNET_PID_LUSTRE}. */
    public static final int PID_LUSTRE = 12345;
    /** {@code LNET_PID_ANY}. */
    public static final int PID_ANY = 0xFFFFFFFF;
    /** {@code LNET_NID_ANY}. */
    public static final long NID_ANY = -1L;
    /** {@code LNET_PID_USERFLAG}. */
    public static final int PID_USERFLAG = 0x80000000;
    public static final int CONN_NONE = -1;
    public static final int CONN_ANY = 0;
    public static final int CONN_CONTROL = 1;
    public static final int CONN_BULK_IN = 2;
    public static final int CONN_BULK_OUT = 3;
    public static final int MSG_NOOP = 0xc0;
    public static final int MSG_LNET = 0xc1;
    /** Acceptor request v1 (§3.1). */
    public static final int CONNREQ_LENGTH = 16;
    /** V2/V3 hello without IPs (§4.3). */
    public static final int HELLO_LENGTH = 56;
    /** V1 hello without IPs (§4.2). */
    public static final int HELLO_V1_LENGTH = 72;
    /** The ksock header (§5.1). */
    public static final int KSOCK_LENGTH = 24;
    /** The nid4 LNet header (§5.2). */
    public static final int LNET_LENGTH = 72;

    // V2/V3 hello offsets (§4.3).
    public static final int HELLO_VERSION = 4;
    public static final int HELLO_SRC_NID = 8;
    public static final int HELLO_DST_NID = 16;
    public static final int HELLO_SRC_PID = 24;
    public static final int HELLO_DST_PID = 28;
    public static final int HELLO_SRC_INCARNATION = 32;
    public static final int HELLO_DST_INCARNATION = 40;
    public static final int HELLO_CTYPE = 48;
    public static final int HELLO_NIPS = 52;

    // V1 hello offsets (§4.2).
    public static final int V1_SRC_NID = 8;
    public static final int V1_DEST_PID = 16;
    public static final int V1_SRC_PID = 20;
    public static final int V1_INCARNATION = 32;
    public static final int V1_CTYPE = 40;

    // nid4 LNet header offsets (§5.2).
    public static final int LNET_DEST_NID = 0;
    public static final int LNET_SRC_NID = 8;
    public static final int LNET_DEST_PID = 16;
    public static final int LNET_SRC_PID = 20;
    public static final int LNET_TYPE = 24;
    public static final int LNET_PAYLOAD_LENGTH = 28;
    public static final int LNET_MATCH_BITS = 48;

    private HandBytes()
    {
    }

    /**
     * A nid4 on {@code tcp} (§2.1): LND type 2, network 0, the IPv4 address as a host-order integer.
     *
     * @param a first byte of the address.
     * @param b second.
     * @param c third.
     * @param d fourth.
     * @return the NID.
     */
    public static long tcpNid(final int a, final int b, final int c, final int d)
    {
        return (2L << 48) | ((long)a << 24) | ((long)b << 16) | ((long)c << 8) | d;
    }

    /**
     * The same address on another network number ({@code @tcpN}).
     *
     * @param nid a nid4.
     * @param net the network number.
     * @return the NID on that network.
     */
    public static long onNet(final long nid, final int net)
    {
        return (nid & 0xFFFF_0000_FFFF_FFFFL) | ((long)net << 32);
    }

    /**
     * @param length bytes.
     * @return a little-endian buffer of that many zeros.
     */
    public static ByteBuffer le(final int length)
    {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Acceptor request v1 (§3.1): magic, version 1, the target's NID.
     *
     * @param targetNid the NID being connected to.
     * @return 16 bytes.
     */
    public static byte[] connreq(final long targetNid)
    {
        return le(CONNREQ_LENGTH).putInt(ACCEPTOR_MAGIC).putInt(1).putLong(targetNid).array();
    }

    /**
     * A V2/V3 hello with no IPs (§4.3).
     *
     * @param version        2 or 3.
     * @param srcNid         {@code kshm_src_nid}.
     * @param dstNid         {@code kshm_dst_nid}.
     * @param srcPid         {@code kshm_src_pid}.
     * @param dstPid         {@code kshm_dst_pid}.
     * @param incarnation    {@code kshm_src_incarnation}.
     * @param dstIncarnation {@code kshm_dst_incarnation}.
     * @param ctype          {@code kshm_ctype}.
     * @return 56 bytes.
     */
    public static byte[] hello(
        final int version,
        final long srcNid,
        final long dstNid,
        final int srcPid,
        final int dstPid,
        final long incarnation,
        final long dstIncarnation,
        final int ctype)
    {
        return le(HELLO_LENGTH).putInt(PROTO_MAGIC).putInt(version).putLong(srcNid).putLong(dstNid)
            .putInt(srcPid).putInt(dstPid).putLong(incarnation).putLong(dstIncarnation).putInt(ctype).putInt(0)
            .array();
    }

    /**
     * A V2/V3 hello as an active kernel writes it: PID 12345, {@code kshm_dst_pid} and
     * {@code kshm_dst_incarnation} 0.
     *
     * @param version     2 or 3.
     * @param srcNid      {@code kshm_src_nid}.
     * @param dstNid      {@code kshm_dst_nid}.
     * @param incarnation {@code kshm_src_incarnation}.
     * @param ctype       {@code kshm_ctype}.
     * @return 56 bytes.
     */
    public static byte[] hello(
        final int version, final long srcNid, final long dstNid, final long incarnation, final int ctype)
    {
        return hello(version, srcNid, dstNid, PID_LUSTRE, 0, incarnation, 0, ctype);
    }

    /**
     * A V1 hello (§4.2): an LNet HELLO header with the TCP magic and version 1.0 in {@code dest_nid}, no IPs.
     *
     * @param srcNid      {@code src_nid}.
     * @param srcPid      {@code src_pid}.
     * @param incarnation {@code msg.hello.incarnation}.
     * @param ctype       {@code msg.hello.type}.
     * @return 72 bytes.
     */
    public static byte[] helloV1(final long srcNid, final int srcPid, final long incarnation, final int ctype)
    {
        final ByteBuffer b = le(HELLO_V1_LENGTH).putInt(TCP_MAGIC).putShort((short)1).putShort((short)0)
            .putLong(srcNid).putInt(0).putInt(srcPid).putInt(4).putInt(0).putLong(incarnation).putInt(ctype);
        return b.array();
    }

    /**
     * A ksock header (§5.1).
     *
     * @param type    {@code ksm_type}.
     * @param csum    {@code ksm_csum}.
     * @param cookie0 {@code ksm_zc_cookies[0]}.
     * @param cookie1 {@code ksm_zc_cookies[1]}.
     * @return 24 bytes.
     */
    public static byte[] ksock(final int type, final int csum, final long cookie0, final long cookie1)
    {
        return le(KSOCK_LENGTH).putInt(type).putInt(csum).putLong(cookie0).putLong(cookie1).array();
    }

    /**
     * A nid4 PUT header (§5.2) with no ACK wanted ({@code ack_wmd} all ones), portal 4, offset 0, and
     * {@code hdr_data} given.
     *
     * @param destNid       {@code dest_nid}.
     * @param srcNid        {@code src_nid}.
     * @param srcPid        {@code src_pid}.
     * @param matchBits     {@code match_bits}.
     * @param hdrData       {@code hdr_data}.
     * @param payloadLength {@code payload_length}.
     * @return 72 bytes.
     */
    public static byte[] putHeader(
        final long destNid,
        final long srcNid,
        final int srcPid,
        final long matchBits,
        final long hdrData,
        final int payloadLength)
    {
        return le(LNET_LENGTH).putLong(destNid).putLong(srcNid).putInt(PID_LUSTRE).putInt(srcPid).putInt(1)
            .putInt(payloadLength).putLong(-1L).putLong(-1L).putLong(matchBits).putLong(hdrData).putInt(4).putInt(0)
            .array();
    }

    /**
     * @param bytes  bytes read.
     * @param offset where.
     * @return the little-endian 32-bit value there.
     */
    public static int intAt(final byte[] bytes, final int offset)
    {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    /**
     * @param bytes  bytes read.
     * @param offset where.
     * @return the little-endian 64-bit value there.
     */
    public static long longAt(final byte[] bytes, final int offset)
    {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    /**
     * Concatenate byte arrays.
     *
     * @param parts the arrays.
     * @return one array.
     */
    public static byte[] concat(final byte[]... parts)
    {
        return RawPeer.concat(parts);
    }
}
