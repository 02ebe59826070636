package io.jsocklnd.wire;

/**
 * Constants of the LNet socket LND wire protocol, named exactly as the Lustre macros
 * ({@code lnet-idl.h}, {@code socklnd-idl.h}, {@code socklnd.h}, {@code lnet-types.h}, {@code nidstr.h}).
 */
public final class WireConstants
{
    /** {@code acr_magic} of the acceptor connection request. */
    public static final int LNET_PROTO_ACCEPTOR_MAGIC = 0xacce7100;
    /** {@code acr_version} of connreq v1 (8-byte nid4). */
    public static final int LNET_PROTO_ACCEPTOR_VERSION = 1;
    /** {@code acr_version} of connreq v2 (20-byte {@code struct lnet_nid}). */
    public static final int LNET_PROTO_ACCEPTOR_VERSION_16 = 2;
    /** {@code kshm_magic} of V2/V3/V4 hellos ("Eric"). */
    public static final int LNET_PROTO_MAGIC = 0x45726963;
    /** Magic of the V1 hello, in {@code lnet_magicversion}, always little-endian. */
    public static final int LNET_PROTO_TCP_MAGIC = 0xeebc0ded;
    /** V1 hello {@code version_major}. */
    public static final int LNET_PROTO_TCP_VERSION_MAJOR = 1;
    /** V1 hello {@code version_minor}. */
    public static final int LNET_PROTO_TCP_VERSION_MINOR = 0;
    /** {@code pi_magic} of the ping info. */
    public static final int LNET_PROTO_PING_MAGIC = 0x70696E67;

    /** Socklnd protocol V1 (the TCP major version; never a {@code kshm_version}). */
    public static final int KSOCK_PROTO_V1 = 1;
    /** {@code kshm_version} 2. */
    public static final int KSOCK_PROTO_V2 = 2;
    /** {@code kshm_version} 3. */
    public static final int KSOCK_PROTO_V3 = 3;
    /** {@code kshm_version} 4 (large NIDs). */
    public static final int KSOCK_PROTO_V4 = 4;

    /** {@code ksm_type} of a message without LNet content. */
    public static final int KSOCK_MSG_NOOP = 0xc0;
    /** {@code ksm_type} of a message carrying an LNet message. */
    public static final int KSOCK_MSG_LNET = 0xc1;

    /** {@code kshm_ctype} "no type": the rejection marker in a hello ({@code 0xFFFFFFFF} on the wire). */
    public static final int SOCKLND_CONN_NONE = -1;
    /** Untyped connection. */
    public static final int SOCKLND_CONN_ANY = 0;
    /** Small messages, both directions. */
    public static final int SOCKLND_CONN_CONTROL = 1;
    /** The holder receives bulk on it. */
    public static final int SOCKLND_CONN_BULK_IN = 2;
    /** The holder sends bulk on it. */
    public static final int SOCKLND_CONN_BULK_OUT = 3;
    /** Number of connection types. */
    public static final int SOCKLND_CONN_NTYPES = 4;
    /** V3+: the connection carrying ZC-ACKs and keepalives (= BULK_IN). */
    public static final int SOCKLND_CONN_ACK = SOCKLND_CONN_BULK_IN;

    /** Reserved ZC cookie: V3+ keepalive ping. */
    public static final long SOCKNAL_KEEPALIVE_PING = 1L;

    /** LNet header {@code type}: ACK. */
    public static final int LNET_MSG_ACK = 0;
    /** LNet header {@code type}: PUT. */
    public static final int LNET_MSG_PUT = 1;
    /** LNet header {@code type}: GET. */
    public static final int LNET_MSG_GET = 2;
    /** LNet header {@code type}: REPLY. */
    public static final int LNET_MSG_REPLY = 3;
    /** LNet header {@code type}: HELLO (V1 hello only). */
    public static final int LNET_MSG_HELLO = 4;

    /** LND type of the loopback network ({@code 0@lo}). */
    public static final int LOLND = 9;
    /** LND type of the socket LND ("tcp"). */
    public static final int SOCKLND = 2;
    /** LND type of the o2ib LND ("o2ib"). */
    public static final int O2IBLND = 5;
    /** {@code nid_type} meaning ANY in a {@code struct lnet_nid}. */
    public static final int LNET_NID_TYPE_ANY = 0xFF;

    /** PID of kernel Lustre / LNet. */
    public static final int LNET_PID_LUSTRE = 12345;
    /** PID bit marking a userspace peer. */
    public static final int LNET_PID_USERFLAG = 0x80000000;
    /** Wildcard PID. */
    public static final int LNET_PID_ANY = 0xFFFFFFFF;
    /** Wildcard nid4. */
    public static final long LNET_NID_ANY = -1L;
    /** "No handle" in wire MD handles. */
    public static final long LNET_WIRE_HANDLE_COOKIE_NONE = -1L;
    /** Portal used by ping and push. */
    public static final int LNET_RESERVED_PORTAL = 0;
    /** Match bits of ping and push. */
    public static final long LNET_PROTO_PING_MATCHBITS = 0x8000000000000000L;

    /** Largest LNet payload of one message (1 MiB). */
    public static final int LNET_MTU = 1 << 20;
    /** Largest LNet payload of one message (1 MiB); the receiver rejects more. */
    public static final int LNET_MAX_PAYLOAD = LNET_MTU;
    /** Most IP addresses in a hello ({@code kshm_nips} maximum). */
    public static final int LNET_INTERFACES_NUM = 16;

    /** Default acceptor port ({@code accept_port}). */
    public static final int LNET_ACCEPT_PORT = 988;
    /** Lowest privileged source port the active side binds. */
    public static final int LNET_ACCEPTOR_MIN_RESERVED_PORT = 512;
    /** Highest privileged source port the active side binds. */
    public static final int LNET_ACCEPTOR_MAX_RESERVED_PORT = 1023;

    /** Ping info {@code ns_status} of an NI that is up. */
    public static final int LNET_NI_STATUS_UP = 0x15aac0de;
    /** Ping info {@code ns_status} of an NI that is down. */
    public static final int LNET_NI_STATUS_DOWN = 0xdeadface;
    /** Ping feature bit: base. */
    public static final int LNET_PING_FEAT_BASE = 1;
    /** Ping feature bit: NI status present (required). */
    public static final int LNET_PING_FEAT_NI_STATUS = 1 << 1;
    /** Ping feature bit: routing disabled. */
    public static final int LNET_PING_FEAT_RTE_DISABLED = 1 << 2;
    /** Ping feature bit: multi-rail. */
    public static final int LNET_PING_FEAT_MULTI_RAIL = 1 << 3;
    /** Ping feature bit: discovery. */
    public static final int LNET_PING_FEAT_DISCOVERY = 1 << 4;
    /** Ping feature bit: large addresses follow. */
    public static final int LNET_PING_FEAT_LARGE_ADDR = 1 << 5;
    /** Ping feature bit: primary NID is large. */
    public static final int LNET_PING_FEAT_PRIMARY_LARGE = 1 << 6;
    /** Ping feature bit: metadata follows. */
    public static final int LNET_PING_FEAT_METADATA = 1 << 7;

    /** Size of {@code struct ksock_msg_hdr}. */
    public static final int KSOCK_MSG_HDR_LENGTH = 24;
    /** Size of the nid4 LNet header ({@code struct _lnet_hdr_nid4}). */
    public static final int LNET_HDR_NID4_LENGTH = 72;
    /** Size of the nid16 LNet header ({@code struct lnet_hdr} on the wire, V4). */
    public static final int LNET_HDR_NID16_LENGTH = 96;
    /** Size of {@code struct lnet_nid}. */
    public static final int LNET_NID_LENGTH = 20;

    private WireConstants()
    {
    }
}
