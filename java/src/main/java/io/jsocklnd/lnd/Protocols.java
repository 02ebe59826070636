package io.jsocklnd.lnd;

import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V1;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V2;
import static io.jsocklnd.wire.WireConstants.KSOCK_PROTO_V3;

/**
 * The protocol tables this node speaks, by hello version.
 */
final class Protocols
{
    /**
     * Newest version this implementation speaks over IPv4.
     */
    public static final int NEWEST = KSOCK_PROTO_V3;

    /**
     * Oldest version this implementation speaks: V1, which kernels still answer in V1 but never start.
     */
    public static final int OLDEST = KSOCK_PROTO_V1;

    private Protocols()
    {
    }

    /**
     * The table for a hello version.
     *
     * @param version {@code kshm_version}.
     * @return the table, or null for a version this node does not speak.
     */
    public static SocklndProtocol forVersion(final int version)
    {
        switch (version)
        {
            case KSOCK_PROTO_V1:
                return ProtocolV1.INSTANCE;
            case KSOCK_PROTO_V2:
                return ProtocolV2.INSTANCE;
            case KSOCK_PROTO_V3:
                return ProtocolV3.INSTANCE;
            default:
                return null;
        }
    }
}
