package io.jsocklnd.wire;

import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_ANY;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_IN;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_BULK_OUT;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_CONTROL;
import static io.jsocklnd.wire.WireConstants.SOCKLND_CONN_NONE;

/**
 * Names of the socklnd connection types.
 */
public final class ConnTypes
{
    private ConnTypes()
    {
    }

    /**
     * @param ctype a {@code SOCKLND_CONN_*} value.
     * @return its name.
     */
    public static String name(final int ctype)
    {
        switch (ctype)
        {
            case SOCKLND_CONN_NONE:
                return "NONE";
            case SOCKLND_CONN_ANY:
                return "ANY";
            case SOCKLND_CONN_CONTROL:
                return "CONTROL";
            case SOCKLND_CONN_BULK_IN:
                return "BULK_IN";
            case SOCKLND_CONN_BULK_OUT:
                return "BULK_OUT";
            default:
                return "ctype(" + ctype + ")";
        }
    }
}
