/* Constant table read by the Java loader to check its compile-time values, and library meta. */
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "jsl_internal.h"

struct jsl_const {
    const char *name;
    int64_t value;
};

#define JSL_K(c) { #c, (int64_t)(int32_t)(c) }
#define JSL_SIZE(t) { "sizeof(" #t ")", (int64_t)sizeof(t) }
#define JSL_OFF(t, f) { "offsetof(" #t ", " #f ")", (int64_t)offsetof(t, f) }

static const struct jsl_const jsl_consts[] = {
    JSL_K(JSL_ABI_VERSION),
    JSL_K(JSL_PRIV_PORT_MAX),
    JSL_K(JSL_PRIV_PORT_MIN),

    JSL_K(EPERM), JSL_K(ENOENT), JSL_K(EINTR), JSL_K(EIO), JSL_K(EBADF), JSL_K(EAGAIN),
    JSL_K(EWOULDBLOCK), JSL_K(ENOMEM), JSL_K(EACCES), JSL_K(EFAULT), JSL_K(EEXIST), JSL_K(EINVAL),
    JSL_K(EMFILE), JSL_K(ENOSPC), JSL_K(EPIPE), JSL_K(ENOBUFS), JSL_K(EPROTO), JSL_K(EMSGSIZE),
    JSL_K(ENOTSOCK), JSL_K(EOPNOTSUPP), JSL_K(EAFNOSUPPORT), JSL_K(EADDRINUSE),
    JSL_K(EADDRNOTAVAIL), JSL_K(ENETDOWN), JSL_K(ENETUNREACH), JSL_K(ECONNABORTED),
    JSL_K(ECONNRESET), JSL_K(EISCONN), JSL_K(ENOTCONN), JSL_K(ESHUTDOWN), JSL_K(ETIMEDOUT),
    JSL_K(ECONNREFUSED), JSL_K(EHOSTUNREACH), JSL_K(EALREADY), JSL_K(EINPROGRESS), JSL_K(ESTALE),

    JSL_K(AF_INET), JSL_K(AF_INET6), JSL_K(IPPROTO_TCP),
    JSL_K(SOL_SOCKET), JSL_K(SOL_IP), JSL_K(SOL_IPV6), JSL_K(SOL_TCP),
    JSL_K(SO_REUSEADDR), JSL_K(SO_KEEPALIVE), JSL_K(SO_SNDBUF), JSL_K(SO_RCVBUF),
    JSL_K(SO_LINGER), JSL_K(SO_ERROR), JSL_K(SO_ZEROCOPY),
    JSL_K(TCP_NODELAY), JSL_K(TCP_KEEPIDLE), JSL_K(TCP_KEEPINTVL), JSL_K(TCP_KEEPCNT),
    JSL_K(IP_RECVERR), JSL_K(IPV6_RECVERR),
    JSL_K(SHUT_RD), JSL_K(SHUT_WR), JSL_K(SHUT_RDWR),

    JSL_K(MSG_ZEROCOPY), JSL_K(MSG_ERRQUEUE), JSL_K(MSG_DONTWAIT), JSL_K(MSG_MORE),
    JSL_K(MSG_NOSIGNAL), JSL_K(MSG_PEEK), JSL_K(MSG_TRUNC), JSL_K(MSG_CTRUNC), JSL_K(MSG_WAITALL),
    JSL_K(SO_EE_ORIGIN_ZEROCOPY), JSL_K(SO_EE_CODE_ZEROCOPY_COPIED),

    JSL_K(EPOLLIN), JSL_K(EPOLLOUT), JSL_K(EPOLLERR), JSL_K(EPOLLHUP), JSL_K(EPOLLRDHUP),
    JSL_K(EPOLLET), JSL_K(EPOLLONESHOT), JSL_K(EPOLL_CTL_ADD), JSL_K(EPOLL_CTL_MOD),
    JSL_K(EPOLL_CTL_DEL), JSL_K(EPOLL_CLOEXEC), JSL_K(EFD_NONBLOCK), JSL_K(EFD_CLOEXEC),
    JSL_K(POLLIN), JSL_K(POLLOUT), JSL_K(POLLERR), JSL_K(POLLHUP),

    JSL_K(SPLICE_F_MOVE), JSL_K(SPLICE_F_NONBLOCK), JSL_K(SPLICE_F_MORE), JSL_K(SPLICE_F_GIFT),
    JSL_K(O_RDONLY), JSL_K(O_WRONLY), JSL_K(O_RDWR), JSL_K(O_CREAT), JSL_K(O_TRUNC),
    JSL_K(O_NONBLOCK), JSL_K(O_CLOEXEC),

    JSL_SIZE(struct iovec),
    JSL_OFF(struct iovec, iov_base),
    JSL_OFF(struct iovec, iov_len),
    JSL_SIZE(struct msghdr),
    JSL_OFF(struct msghdr, msg_name),
    JSL_OFF(struct msghdr, msg_namelen),
    JSL_OFF(struct msghdr, msg_iov),
    JSL_OFF(struct msghdr, msg_iovlen),
    JSL_OFF(struct msghdr, msg_control),
    JSL_OFF(struct msghdr, msg_controllen),
    JSL_OFF(struct msghdr, msg_flags),
    JSL_SIZE(struct epoll_event),
    JSL_OFF(struct epoll_event, events),
    JSL_OFF(struct epoll_event, data),
    JSL_SIZE(struct sockaddr_in),
    JSL_OFF(struct sockaddr_in, sin_family),
    JSL_OFF(struct sockaddr_in, sin_port),
    JSL_OFF(struct sockaddr_in, sin_addr),
    JSL_SIZE(struct sockaddr_in6),
    JSL_OFF(struct sockaddr_in6, sin6_family),
    JSL_OFF(struct sockaddr_in6, sin6_port),
    JSL_OFF(struct sockaddr_in6, sin6_flowinfo),
    JSL_OFF(struct sockaddr_in6, sin6_addr),
    JSL_OFF(struct sockaddr_in6, sin6_scope_id),
    JSL_SIZE(struct sock_extended_err),
    JSL_OFF(struct sock_extended_err, ee_errno),
    JSL_OFF(struct sock_extended_err, ee_origin),
    JSL_OFF(struct sock_extended_err, ee_type),
    JSL_OFF(struct sock_extended_err, ee_code),
    JSL_OFF(struct sock_extended_err, ee_info),
    JSL_OFF(struct sock_extended_err, ee_data),
    JSL_SIZE(struct linger),
    JSL_OFF(struct linger, l_onoff),
    JSL_OFF(struct linger, l_linger),
    JSL_SIZE(struct jsl_zc_completion),
    JSL_OFF(struct jsl_zc_completion, zc_lo),
    JSL_OFF(struct jsl_zc_completion, zc_hi),
    JSL_OFF(struct jsl_zc_completion, zc_errno),
    JSL_OFF(struct jsl_zc_completion, zc_origin),
    JSL_OFF(struct jsl_zc_completion, zc_code),
    JSL_SIZE(off_t),
    JSL_SIZE(int),
};

#define JSL_CONST_COUNT ((int)(sizeof(jsl_consts) / sizeof(jsl_consts[0])))

int jsl_abi_version(void)
{
    return JSL_ABI_VERSION;
}

int jsl_noop(int value)
{
    return value;
}

int jsl_const_count(void)
{
    return JSL_CONST_COUNT;
}

int jsl_const_name(int index, int64_t buf, int cap)
{
    if (index < 0 || index >= JSL_CONST_COUNT)
        return -EINVAL;
    size_t len = strlen(jsl_consts[index].name);
    if (cap < 0 || (size_t)cap < len + 1)
        return -ENOSPC;
    memcpy(JSL_PTR(buf), jsl_consts[index].name, len + 1);
    return (int)len;
}

int64_t jsl_const_value(int index)
{
    if (index < 0 || index >= JSL_CONST_COUNT)
        return 0;
    return jsl_consts[index].value;
}

int64_t jsl_page_size(void)
{
    errno = 0;
    long size = sysconf(_SC_PAGESIZE);
    return size == -1 ? -(errno ? errno : EINVAL) : size;
}
