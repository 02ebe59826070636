/* Socket setup: create, bind, listen, accept, connect, options, names, shutdown, close, poll. */
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jsl_internal.h"

int jsl_socket_tcp(int family)
{
    return (int)JSL_RETRY(socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
}

int jsl_bind(int fd, int64_t addr, int addrlen)
{
    return (int)JSL_RETRY(bind(fd, JSL_PTR(addr), (socklen_t)addrlen));
}

int jsl_bind_privileged(int fd, int64_t addr, int addrlen, int start_port)
{
    struct sockaddr *sa = JSL_PTR(addr);
    in_port_t *port_field;
    int one = 1;

    if (start_port < JSL_PRIV_PORT_MIN || start_port > JSL_PRIV_PORT_MAX)
        return -EINVAL;
    if (sa->sa_family == AF_INET && addrlen >= (int)sizeof(struct sockaddr_in))
        port_field = &((struct sockaddr_in *)sa)->sin_port;
    else if (sa->sa_family == AF_INET6 && addrlen >= (int)sizeof(struct sockaddr_in6))
        port_field = &((struct sockaddr_in6 *)sa)->sin6_port;
    else
        return -EINVAL;

    /* socklnd's connecting side sets SO_REUSEADDR too, so a port left in TIME_WAIT is usable. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
        return -errno;
    for (int port = start_port; port >= JSL_PRIV_PORT_MIN; port--) {
        *port_field = htons((uint16_t)port);
        long rc = JSL_RETRY(bind(fd, sa, (socklen_t)addrlen));
        if (rc == 0)
            return port;
        if (rc != -EADDRINUSE && rc != -EADDRNOTAVAIL)
            return (int)rc;
    }
    return -EADDRINUSE;
}

int jsl_listen(int fd, int backlog)
{
    return (int)JSL_RETRY(listen(fd, backlog));
}

int jsl_accept4(int fd, int64_t addr, int addrlen)
{
    socklen_t len = (socklen_t)addrlen;
    return (int)JSL_RETRY(accept4(fd, JSL_PTR(addr), addr ? &len : NULL,
                                  SOCK_NONBLOCK | SOCK_CLOEXEC));
}

int jsl_connect(int fd, int64_t addr, int addrlen)
{
    return (int)JSL_RETRY(connect(fd, JSL_PTR(addr), (socklen_t)addrlen));
}

int jsl_finish_connect(int fd)
{
    int error = 0;
    socklen_t len = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
        return -errno;
    return -error;
}

int jsl_getsockname(int fd, int64_t addr, int addrlen)
{
    socklen_t len = (socklen_t)addrlen;
    long rc = JSL_RETRY(getsockname(fd, JSL_PTR(addr), &len));
    return rc < 0 ? (int)rc : (int)len;
}

int jsl_getpeername(int fd, int64_t addr, int addrlen)
{
    socklen_t len = (socklen_t)addrlen;
    long rc = JSL_RETRY(getpeername(fd, JSL_PTR(addr), &len));
    return rc < 0 ? (int)rc : (int)len;
}

int jsl_setsockopt_int(int fd, int level, int optname, int value)
{
    return (int)JSL_RETRY(setsockopt(fd, level, optname, &value, sizeof(value)));
}

int jsl_getsockopt_int(int fd, int level, int optname)
{
    int value = 0;
    socklen_t len = sizeof(value);
    long rc = JSL_RETRY(getsockopt(fd, level, optname, &value, &len));
    return rc < 0 ? (int)rc : value;
}

int jsl_setsockopt(int fd, int level, int optname, int64_t optval, int optlen)
{
    return (int)JSL_RETRY(setsockopt(fd, level, optname, JSL_PTR(optval), (socklen_t)optlen));
}

int jsl_getsockopt(int fd, int level, int optname, int64_t optval, int optlen)
{
    socklen_t len = (socklen_t)optlen;
    long rc = JSL_RETRY(getsockopt(fd, level, optname, JSL_PTR(optval), &len));
    return rc < 0 ? (int)rc : (int)len;
}

int jsl_outq(int fd)
{
    int value = 0;
    long rc = JSL_RETRY(ioctl(fd, SIOCOUTQ, &value));
    return rc < 0 ? (int)rc : value;
}

int jsl_shutdown(int fd, int how)
{
    return (int)JSL_RETRY(shutdown(fd, how));
}

int jsl_close(int fd)
{
    return JSL_ONCE(close(fd));
}

int jsl_poll(int fd, int events, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = (short)events };
    long rc = JSL_RETRY(poll(&pfd, 1, timeout_ms));
    return rc <= 0 ? (int)rc : pfd.revents;
}
