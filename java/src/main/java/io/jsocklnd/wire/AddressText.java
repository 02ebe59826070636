package io.jsocklnd.wire;

/**
 * IPv4 and IPv6 address text as Lustre prints and reads it in NIDs (no DNS, literals only).
 *
 * <p>IPv6 output follows the kernel's {@code rpc_ntop}: {@code ::} and {@code ::1} spelled out, IPv4-mapped as
 * {@code ::ffff:a.b.c.d}, otherwise {@code %pI6c} (lowercase hex, the first longest run of at least two zero
 * groups compressed, ISATAP interface ids with a dotted IPv4 tail).
 */
final class AddressText
{
    private AddressText()
    {
    }

    static String formatIpv4(final int addr)
    {
        return ((addr >>> 24) & 0xff) + "." + ((addr >>> 16) & 0xff) + "." + ((addr >>> 8) & 0xff) + "." + (addr & 0xff);
    }

    /**
     * @return the address as an unsigned value, or -1 when {@code text[from, to)} is not a dotted quad of
     * decimal octets (1 to 3 digits, at most 255).
     */
    static long parseIpv4(final String text, final int from, final int to)
    {
        long addr = 0;
        int pos = from;
        for (int part = 0; part < 4; part++)
        {
            if (part > 0)
            {
                if (pos >= to || text.charAt(pos) != '.')
                {
                    return -1;
                }
                pos++;
            }
            int digits = 0;
            int octet = 0;
            while (pos < to && digits < 4)
            {
                final char c = text.charAt(pos);
                if (c < '0' || c > '9')
                {
                    break;
                }
                octet = octet * 10 + (c - '0');
                digits++;
                pos++;
            }
            if (digits == 0 || digits > 3 || octet > 255)
            {
                return -1;
            }
            addr = (addr << 8) | octet;
        }
        return pos == to ? addr : -1;
    }

    static String formatIpv6(final int w0, final int w1, final int w2, final int w3)
    {
        if ((w0 | w1 | w2 | w3) == 0)
        {
            return "::";
        }
        if ((w0 | w1 | w2) == 0 && w3 == 1)
        {
            return "::1";
        }
        if ((w0 | w1) == 0 && w2 == 0x0000ffff)
        {
            return "::ffff:" + formatIpv4(w3);
        }

        final int[] groups = {
            w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff };
        // ISATAP interface identifier (00:00:5efe or 02:00:5efe) prints its last 32 bits as IPv4.
        final boolean ipv4Tail = (w2 | 0x02000000) == 0x02005efe;
        final int range = ipv4Tail ? 6 : 8;

        int longest = 1;
        int colonPos = -1;
        for (int i = 0; i < range; i++)
        {
            int run = 0;
            for (int j = i; j < range && groups[j] == 0; j++)
            {
                run++;
            }
            if (run > longest)
            {
                longest = run;
                colonPos = i;
            }
        }

        final StringBuilder sb = new StringBuilder(48);
        boolean needColon = false;
        for (int i = 0; i < range; i++)
        {
            if (i == colonPos)
            {
                if (needColon || i == 0)
                {
                    sb.append(':');
                }
                sb.append(':');
                needColon = false;
                i += longest - 1;
                continue;
            }
            if (needColon)
            {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
            needColon = true;
        }
        if (ipv4Tail)
        {
            if (needColon)
            {
                sb.append(':');
            }
            sb.append(formatIpv4(w3));
        }
        return sb.toString();
    }

    /**
     * Parses an IPv6 literal (hex groups, one optional {@code ::}, optional dotted IPv4 tail).
     *
     * @return true and the four big-endian words in {@code out}, or false if malformed.
     */
    static boolean parseIpv6(final String text, final int from, final int to, final int[] out)
    {
        final int[] groups = new int[8];
        int count = 0;
        int gapAt = -1;
        int pos = from;
        if (to - from < 2)
        {
            return false;
        }
        if (text.charAt(pos) == ':')
        {
            if (text.charAt(pos + 1) != ':')
            {
                return false;
            }
            gapAt = 0;
            pos += 2;
        }
        boolean ipv4Tail = false;
        while (pos < to)
        {
            if (count == 8)
            {
                return false;
            }
            int end = pos;
            int value = 0;
            while (end < to && end - pos < 5)
            {
                final int digit = Character.digit(text.charAt(end), 16);
                if (digit < 0 || text.charAt(end) > 'f')
                {
                    break;
                }
                value = (value << 4) | digit;
                end++;
            }
            if (end < to && text.charAt(end) == '.')
            {
                if (count > 6)
                {
                    return false;
                }
                final long v4 = parseIpv4(text, pos, to);
                if (v4 < 0)
                {
                    return false;
                }
                groups[count++] = (int)(v4 >>> 16);
                groups[count++] = (int)(v4 & 0xffff);
                ipv4Tail = true;
                pos = to;
                break;
            }
            final int digits = end - pos;
            if (digits == 0 || digits > 4)
            {
                return false;
            }
            groups[count++] = value;
            pos = end;
            if (pos == to)
            {
                break;
            }
            if (text.charAt(pos) != ':')
            {
                return false;
            }
            pos++;
            if (pos < to && text.charAt(pos) == ':')
            {
                if (gapAt >= 0)
                {
                    return false;
                }
                gapAt = count;
                pos++;
            }
            else if (pos == to)
            {
                return false;
            }
        }
        if (ipv4Tail && pos != to)
        {
            return false;
        }
        if (gapAt >= 0)
        {
            if (count > 7)
            {
                return false;
            }
            final int shift = 8 - count;
            for (int i = count - 1; i >= gapAt; i--)
            {
                groups[i + shift] = groups[i];
            }
            for (int i = gapAt; i < gapAt + shift; i++)
            {
                groups[i] = 0;
            }
        }
        else if (count != 8)
        {
            return false;
        }
        for (int i = 0; i < 4; i++)
        {
            out[i] = (groups[2 * i] << 16) | groups[2 * i + 1];
        }
        return true;
    }
}
