package io.jsocklnd.wire;

import java.util.Objects;

import static io.jsocklnd.wire.WireConstants.LNET_PID_ANY;
import static io.jsocklnd.wire.WireConstants.LNET_PID_USERFLAG;

/**
 * An LNet process identity, {@code struct lnet_processid} (NID + PID), as carried by hellos
 * ({@code kshm_src_nid}, {@code kshm_src_pid}) and LNet headers; text as {@code libcfs_idstr} prints it:
 * {@code 12345-10.0.0.1@tcp}, {@code U4242-10.0.0.1@tcp} for a PID with {@code LNET_PID_USERFLAG},
 * {@code LNET_PID_ANY-10.0.0.1@tcp}.
 *
 * @param nid the NID.
 * @param pid the PID (unsigned 32-bit).
 */
public record ProcessId(LargeNid nid, int pid)
{
    private static final String ANY_PREFIX = "LNET_PID_ANY-";

    /**
     * @param nid the NID.
     * @param pid the PID.
     */
    public ProcessId
    {
        Objects.requireNonNull(nid, "nid");
    }

    /**
     * @param nid4 nid4.
     * @param pid  PID.
     * @return the process id.
     */
    public static ProcessId ofNid4(final long nid4, final int pid)
    {
        return new ProcessId(LargeNid.fromNid4(nid4), pid);
    }

    /**
     * @return the NID as a nid4 ({@code lnet_nid_to_nid4}).
     */
    public long nid4()
    {
        return nid.toNid4();
    }

    /**
     * @return true when the PID marks a userspace peer ({@code LNET_PID_USERFLAG}) and is not ANY.
     */
    public boolean isUserspace()
    {
        return pid != LNET_PID_ANY && (pid & LNET_PID_USERFLAG) != 0;
    }

    /**
     * Parses {@code [U]pid-nid} or {@code LNET_PID_ANY-nid}.
     *
     * @param text text.
     * @return the process id.
     * @throws IllegalArgumentException if malformed, naming the text.
     */
    public static ProcessId parse(final String text)
    {
        if (text.startsWith(ANY_PREFIX))
        {
            return new ProcessId(LargeNid.parse(text.substring(ANY_PREFIX.length())), LNET_PID_ANY);
        }
        final int dash = text.indexOf('-');
        final boolean user = text.startsWith("U");
        final long pid = dash < 0 ? -1 : Nid.parseUnsigned(text, user ? 1 : 0, dash, 10, 10);
        if (pid < 0 || (pid & LNET_PID_USERFLAG) != 0)
        {
            throw Nid.badText("bad lnet process id", text);
        }
        final LargeNid nid;
        try
        {
            nid = LargeNid.parse(text.substring(dash + 1));
        }
        catch (final IllegalArgumentException ex)
        {
            throw Nid.badText("bad lnet process id", text);
        }
        return new ProcessId(nid, (int)pid | (user ? LNET_PID_USERFLAG : 0));
    }

    @Override
    public String toString()
    {
        if (pid == LNET_PID_ANY)
        {
            return ANY_PREFIX + nid;
        }
        return ((pid & LNET_PID_USERFLAG) != 0 ? "U" : "") + (pid & ~LNET_PID_USERFLAG) + "-" + nid;
    }
}
