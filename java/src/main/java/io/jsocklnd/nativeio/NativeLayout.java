package io.jsocklnd.nativeio;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The values Java compiled in for every entry of libjsl's constant table (errno values, flags, option numbers,
 * sizeof/offsetof of the structs the flyweights lay out) and the comparison with what the library reports.
 */
public final class NativeLayout
{
    /** struct sock_extended_err is read only in C (jsl_recv_zc_completion); checked so a header change shows. */
    static final int SOCK_EXTENDED_ERR_EE_ERRNO_OFFSET = 0;
    static final int SOCK_EXTENDED_ERR_EE_ORIGIN_OFFSET = 4;
    static final int SOCK_EXTENDED_ERR_EE_TYPE_OFFSET = 5;
    static final int SOCK_EXTENDED_ERR_EE_CODE_OFFSET = 6;
    static final int SOCK_EXTENDED_ERR_EE_INFO_OFFSET = 8;
    static final int SOCK_EXTENDED_ERR_EE_DATA_OFFSET = 12;
    static final int SOCK_EXTENDED_ERR_SIZE = 16;

    /** Size of off_t and loff_t, the offsets sendfile and splice read and advance. */
    public static final int OFF_T_SIZE = 8;
    /** Size of a C int. */
    public static final int INT_SIZE = 4;

    private static final int NAME_CAPACITY = 128;

    private static final Map<String, Long> EXPECTED = expected();

    private NativeLayout()
    {
    }

    /**
     * Name to value of every constant Java relies on, named as libjsl names them
     * ({@code EAGAIN}, {@code sizeof(struct msghdr)}, {@code offsetof(struct msghdr, msg_iov)}).
     */
    public static Map<String, Long> expectedValues()
    {
        return EXPECTED;
    }

    /**
     * Name to value of every entry of libjsl's constant table, in table order.
     */
    public static Map<String, Long> nativeValues(final LibJsl lib)
    {
        final UnsafeBuffer name = DirectMemory.allocate(NAME_CAPACITY);
        final int count = lib.jsl_const_count();
        final Map<String, Long> values = new LinkedHashMap<>();
        for (int i = 0; i < count; i++)
        {
            final int length = lib.jsl_const_name(i, name.addressOffset(), NAME_CAPACITY);
            if (length < 0)
            {
                throw new IllegalStateException("cannot read constant name: index=" + i + ", rc=" + length);
            }
            values.put(name.getStringWithoutLengthAscii(0, length), lib.jsl_const_value(i));
        }
        return values;
    }

    /**
     * Every difference between expected and actual as {@code name=..., java=..., native=...} (absent where a side
     * lacks the name); empty when they agree.
     */
    public static List<String> mismatches(final Map<String, Long> expected, final Map<String, Long> actual)
    {
        final List<String> result = new ArrayList<>();
        for (final Map.Entry<String, Long> e : expected.entrySet())
        {
            final Long value = actual.get(e.getKey());
            if (!e.getValue().equals(value))
            {
                result.add("name=" + e.getKey() + ", java=" + e.getValue() + ", native=" +
                    (value == null ? "absent" : value.toString()));
            }
        }
        for (final Map.Entry<String, Long> e : actual.entrySet())
        {
            if (!expected.containsKey(e.getKey()))
            {
                result.add("name=" + e.getKey() + ", java=absent, native=" + e.getValue());
            }
        }
        return result;
    }

    private static Map<String, Long> expected()
    {
        final Map<String, Long> m = new LinkedHashMap<>();
        put(m, "JSL_ABI_VERSION", NativeConstants.JSL_ABI_VERSION);
        put(m, "JSL_PRIV_PORT_MAX", NativeConstants.JSL_PRIV_PORT_MAX);
        put(m, "JSL_PRIV_PORT_MIN", NativeConstants.JSL_PRIV_PORT_MIN);

        put(m, "EPERM", Errno.EPERM);
        put(m, "ENOENT", Errno.ENOENT);
        put(m, "EINTR", Errno.EINTR);
        put(m, "EIO", Errno.EIO);
        put(m, "EBADF", Errno.EBADF);
        put(m, "EAGAIN", Errno.EAGAIN);
        put(m, "EWOULDBLOCK", Errno.EWOULDBLOCK);
        put(m, "ENOMEM", Errno.ENOMEM);
        put(m, "EACCES", Errno.EACCES);
        put(m, "EFAULT", Errno.EFAULT);
        put(m, "EEXIST", Errno.EEXIST);
        put(m, "EINVAL", Errno.EINVAL);
        put(m, "EMFILE", Errno.EMFILE);
        put(m, "ENOSPC", Errno.ENOSPC);
        put(m, "EPIPE", Errno.EPIPE);
        put(m, "ENOBUFS", Errno.ENOBUFS);
        put(m, "EPROTO", Errno.EPROTO);
        put(m, "EMSGSIZE", Errno.EMSGSIZE);
        put(m, "ENOTSOCK", Errno.ENOTSOCK);
        put(m, "EOPNOTSUPP", Errno.EOPNOTSUPP);
        put(m, "EAFNOSUPPORT", Errno.EAFNOSUPPORT);
        put(m, "EADDRINUSE", Errno.EADDRINUSE);
        put(m, "EADDRNOTAVAIL", Errno.EADDRNOTAVAIL);
        put(m, "ENETDOWN", Errno.ENETDOWN);
        put(m, "ENETUNREACH", Errno.ENETUNREACH);
        put(m, "ECONNABORTED", Errno.ECONNABORTED);
        put(m, "ECONNRESET", Errno.ECONNRESET);
        put(m, "EISCONN", Errno.EISCONN);
        put(m, "ENOTCONN", Errno.ENOTCONN);
        put(m, "ESHUTDOWN", Errno.ESHUTDOWN);
        put(m, "ETIMEDOUT", Errno.ETIMEDOUT);
        put(m, "ECONNREFUSED", Errno.ECONNREFUSED);
        put(m, "EHOSTUNREACH", Errno.EHOSTUNREACH);
        put(m, "EALREADY", Errno.EALREADY);
        put(m, "EINPROGRESS", Errno.EINPROGRESS);
        put(m, "ESTALE", Errno.ESTALE);

        put(m, "AF_INET", NativeConstants.AF_INET);
        put(m, "AF_INET6", NativeConstants.AF_INET6);
        put(m, "IPPROTO_TCP", NativeConstants.IPPROTO_TCP);
        put(m, "SOL_SOCKET", NativeConstants.SOL_SOCKET);
        put(m, "SOL_IP", NativeConstants.SOL_IP);
        put(m, "SOL_IPV6", NativeConstants.SOL_IPV6);
        put(m, "SOL_TCP", NativeConstants.SOL_TCP);
        put(m, "SO_REUSEADDR", NativeConstants.SO_REUSEADDR);
        put(m, "SO_KEEPALIVE", NativeConstants.SO_KEEPALIVE);
        put(m, "SO_SNDBUF", NativeConstants.SO_SNDBUF);
        put(m, "SO_RCVBUF", NativeConstants.SO_RCVBUF);
        put(m, "SO_LINGER", NativeConstants.SO_LINGER);
        put(m, "SO_ERROR", NativeConstants.SO_ERROR);
        put(m, "SO_ZEROCOPY", NativeConstants.SO_ZEROCOPY);
        put(m, "TCP_NODELAY", NativeConstants.TCP_NODELAY);
        put(m, "TCP_KEEPIDLE", NativeConstants.TCP_KEEPIDLE);
        put(m, "TCP_KEEPINTVL", NativeConstants.TCP_KEEPINTVL);
        put(m, "TCP_KEEPCNT", NativeConstants.TCP_KEEPCNT);
        put(m, "IP_RECVERR", NativeConstants.IP_RECVERR);
        put(m, "IPV6_RECVERR", NativeConstants.IPV6_RECVERR);
        put(m, "SHUT_RD", NativeConstants.SHUT_RD);
        put(m, "SHUT_WR", NativeConstants.SHUT_WR);
        put(m, "SHUT_RDWR", NativeConstants.SHUT_RDWR);

        put(m, "MSG_ZEROCOPY", NativeConstants.MSG_ZEROCOPY);
        put(m, "MSG_ERRQUEUE", NativeConstants.MSG_ERRQUEUE);
        put(m, "MSG_DONTWAIT", NativeConstants.MSG_DONTWAIT);
        put(m, "MSG_MORE", NativeConstants.MSG_MORE);
        put(m, "MSG_NOSIGNAL", NativeConstants.MSG_NOSIGNAL);
        put(m, "MSG_PEEK", NativeConstants.MSG_PEEK);
        put(m, "MSG_TRUNC", NativeConstants.MSG_TRUNC);
        put(m, "MSG_CTRUNC", NativeConstants.MSG_CTRUNC);
        put(m, "MSG_WAITALL", NativeConstants.MSG_WAITALL);
        put(m, "SO_EE_ORIGIN_ZEROCOPY", NativeConstants.SO_EE_ORIGIN_ZEROCOPY);
        put(m, "SO_EE_CODE_ZEROCOPY_COPIED", NativeConstants.SO_EE_CODE_ZEROCOPY_COPIED);

        put(m, "EPOLLIN", NativeConstants.EPOLLIN);
        put(m, "EPOLLOUT", NativeConstants.EPOLLOUT);
        put(m, "EPOLLERR", NativeConstants.EPOLLERR);
        put(m, "EPOLLHUP", NativeConstants.EPOLLHUP);
        put(m, "EPOLLRDHUP", NativeConstants.EPOLLRDHUP);
        put(m, "EPOLLET", NativeConstants.EPOLLET);
        put(m, "EPOLLONESHOT", NativeConstants.EPOLLONESHOT);
        put(m, "EPOLL_CTL_ADD", NativeConstants.EPOLL_CTL_ADD);
        put(m, "EPOLL_CTL_MOD", NativeConstants.EPOLL_CTL_MOD);
        put(m, "EPOLL_CTL_DEL", NativeConstants.EPOLL_CTL_DEL);
        put(m, "EPOLL_CLOEXEC", NativeConstants.EPOLL_CLOEXEC);
        put(m, "EFD_NONBLOCK", NativeConstants.EFD_NONBLOCK);
        put(m, "EFD_CLOEXEC", NativeConstants.EFD_CLOEXEC);
        put(m, "POLLIN", NativeConstants.POLLIN);
        put(m, "POLLOUT", NativeConstants.POLLOUT);
        put(m, "POLLERR", NativeConstants.POLLERR);
        put(m, "POLLHUP", NativeConstants.POLLHUP);

        put(m, "SPLICE_F_MOVE", NativeConstants.SPLICE_F_MOVE);
        put(m, "SPLICE_F_NONBLOCK", NativeConstants.SPLICE_F_NONBLOCK);
        put(m, "SPLICE_F_MORE", NativeConstants.SPLICE_F_MORE);
        put(m, "SPLICE_F_GIFT", NativeConstants.SPLICE_F_GIFT);
        put(m, "O_RDONLY", NativeConstants.O_RDONLY);
        put(m, "O_WRONLY", NativeConstants.O_WRONLY);
        put(m, "O_RDWR", NativeConstants.O_RDWR);
        put(m, "O_CREAT", NativeConstants.O_CREAT);
        put(m, "O_TRUNC", NativeConstants.O_TRUNC);
        put(m, "O_NONBLOCK", NativeConstants.O_NONBLOCK);
        put(m, "O_CLOEXEC", NativeConstants.O_CLOEXEC);

        put(m, "sizeof(struct iovec)", IovecArrayFlyweight.IOVEC_SIZE);
        put(m, "offsetof(struct iovec, iov_base)", IovecArrayFlyweight.IOV_BASE_OFFSET);
        put(m, "offsetof(struct iovec, iov_len)", IovecArrayFlyweight.IOV_LEN_OFFSET);
        put(m, "sizeof(struct msghdr)", MsghdrFlyweight.SIZE);
        put(m, "offsetof(struct msghdr, msg_name)", MsghdrFlyweight.MSG_NAME_OFFSET);
        put(m, "offsetof(struct msghdr, msg_namelen)", MsghdrFlyweight.MSG_NAMELEN_OFFSET);
        put(m, "offsetof(struct msghdr, msg_iov)", MsghdrFlyweight.MSG_IOV_OFFSET);
        put(m, "offsetof(struct msghdr, msg_iovlen)", MsghdrFlyweight.MSG_IOVLEN_OFFSET);
        put(m, "offsetof(struct msghdr, msg_control)", MsghdrFlyweight.MSG_CONTROL_OFFSET);
        put(m, "offsetof(struct msghdr, msg_controllen)", MsghdrFlyweight.MSG_CONTROLLEN_OFFSET);
        put(m, "offsetof(struct msghdr, msg_flags)", MsghdrFlyweight.MSG_FLAGS_OFFSET);
        put(m, "sizeof(struct epoll_event)", EpollEventArrayFlyweight.EPOLL_EVENT_SIZE);
        put(m, "offsetof(struct epoll_event, events)", EpollEventArrayFlyweight.EVENTS_OFFSET);
        put(m, "offsetof(struct epoll_event, data)", EpollEventArrayFlyweight.DATA_OFFSET);
        put(m, "sizeof(struct sockaddr_in)", SockaddrFlyweight.SOCKADDR_IN_SIZE);
        put(m, "offsetof(struct sockaddr_in, sin_family)", SockaddrFlyweight.SIN_FAMILY_OFFSET);
        put(m, "offsetof(struct sockaddr_in, sin_port)", SockaddrFlyweight.SIN_PORT_OFFSET);
        put(m, "offsetof(struct sockaddr_in, sin_addr)", SockaddrFlyweight.SIN_ADDR_OFFSET);
        put(m, "sizeof(struct sockaddr_in6)", SockaddrFlyweight.SOCKADDR_IN6_SIZE);
        put(m, "offsetof(struct sockaddr_in6, sin6_family)", SockaddrFlyweight.SIN6_FAMILY_OFFSET);
        put(m, "offsetof(struct sockaddr_in6, sin6_port)", SockaddrFlyweight.SIN6_PORT_OFFSET);
        put(m, "offsetof(struct sockaddr_in6, sin6_flowinfo)", SockaddrFlyweight.SIN6_FLOWINFO_OFFSET);
        put(m, "offsetof(struct sockaddr_in6, sin6_addr)", SockaddrFlyweight.SIN6_ADDR_OFFSET);
        put(m, "offsetof(struct sockaddr_in6, sin6_scope_id)", SockaddrFlyweight.SIN6_SCOPE_ID_OFFSET);
        put(m, "sizeof(struct sock_extended_err)", SOCK_EXTENDED_ERR_SIZE);
        put(m, "offsetof(struct sock_extended_err, ee_errno)", SOCK_EXTENDED_ERR_EE_ERRNO_OFFSET);
        put(m, "offsetof(struct sock_extended_err, ee_origin)", SOCK_EXTENDED_ERR_EE_ORIGIN_OFFSET);
        put(m, "offsetof(struct sock_extended_err, ee_type)", SOCK_EXTENDED_ERR_EE_TYPE_OFFSET);
        put(m, "offsetof(struct sock_extended_err, ee_code)", SOCK_EXTENDED_ERR_EE_CODE_OFFSET);
        put(m, "offsetof(struct sock_extended_err, ee_info)", SOCK_EXTENDED_ERR_EE_INFO_OFFSET);
        put(m, "offsetof(struct sock_extended_err, ee_data)", SOCK_EXTENDED_ERR_EE_DATA_OFFSET);
        put(m, "sizeof(struct linger)", LingerFlyweight.SIZE);
        put(m, "offsetof(struct linger, l_onoff)", LingerFlyweight.L_ONOFF_OFFSET);
        put(m, "offsetof(struct linger, l_linger)", LingerFlyweight.L_LINGER_OFFSET);
        put(m, "sizeof(struct jsl_zc_completion)", ZcCompletionFlyweight.SIZE);
        put(m, "offsetof(struct jsl_zc_completion, zc_lo)", ZcCompletionFlyweight.ZC_LO_OFFSET);
        put(m, "offsetof(struct jsl_zc_completion, zc_hi)", ZcCompletionFlyweight.ZC_HI_OFFSET);
        put(m, "offsetof(struct jsl_zc_completion, zc_errno)", ZcCompletionFlyweight.ZC_ERRNO_OFFSET);
        put(m, "offsetof(struct jsl_zc_completion, zc_origin)", ZcCompletionFlyweight.ZC_ORIGIN_OFFSET);
        put(m, "offsetof(struct jsl_zc_completion, zc_code)", ZcCompletionFlyweight.ZC_CODE_OFFSET);
        put(m, "sizeof(off_t)", OFF_T_SIZE);
        put(m, "sizeof(int)", INT_SIZE);
        return Collections.unmodifiableMap(m);
    }

    private static void put(final Map<String, Long> m, final String name, final int value)
    {
        if (m.put(name, (long)value) != null)
        {
            throw new IllegalStateException("duplicate constant: name=" + name);
        }
    }
}
