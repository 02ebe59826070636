/* Data transfer: read/write, vectored and message I/O, MSG_ZEROCOPY completions, sendfile,
 * splice, vmsplice, pipes and files. */
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "jsl_internal.h"

int64_t jsl_read(int fd, int64_t buf, int len)
{
    return JSL_RETRY(read(fd, JSL_PTR(buf), (size_t)len));
}

int64_t jsl_write(int fd, int64_t buf, int len)
{
    return JSL_RETRY(write(fd, JSL_PTR(buf), (size_t)len));
}

int64_t jsl_send(int fd, int64_t buf, int len, int flags)
{
    return JSL_RETRY(send(fd, JSL_PTR(buf), (size_t)len, flags | MSG_NOSIGNAL));
}

int64_t jsl_readv(int fd, int64_t iov, int iovcnt)
{
    return JSL_RETRY(readv(fd, JSL_PTR(iov), iovcnt));
}

int64_t jsl_writev(int fd, int64_t iov, int iovcnt)
{
    return JSL_RETRY(writev(fd, JSL_PTR(iov), iovcnt));
}

int64_t jsl_sendmsg(int fd, int64_t msg, int flags)
{
    return JSL_RETRY(sendmsg(fd, JSL_PTR(msg), flags | MSG_NOSIGNAL));
}

int64_t jsl_recvmsg(int fd, int64_t msg, int flags)
{
    return JSL_RETRY(recvmsg(fd, JSL_PTR(msg), flags));
}

int jsl_recv_zc_completion(int fd, int64_t out)
{
    union {
        char buf[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
    long rc = JSL_RETRY(recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT));

    if (rc == -EAGAIN || rc == -EWOULDBLOCK)
        return 0;
    if (rc < 0)
        return (int)rc;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
        /* An AF_INET6 socket reports on SOL_IPV6 even for IPv4-mapped peers, AF_INET on SOL_IP. */
        if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
              (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
            continue;
        struct sock_extended_err ee;
        memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
        struct jsl_zc_completion *c = JSL_PTR(out);
        c->zc_lo = ee.ee_info;
        c->zc_hi = ee.ee_data;
        c->zc_errno = ee.ee_errno;
        c->zc_origin = ee.ee_origin;
        c->zc_code = ee.ee_code;
        c->zc_pad = 0;
        return 1;
    }
    return -EPROTO;
}

int64_t jsl_sendfile(int out_fd, int in_fd, int64_t offset, int64_t count)
{
    return JSL_RETRY(sendfile(out_fd, in_fd, JSL_PTR(offset), (size_t)count));
}

int64_t jsl_splice(int fd_in, int fd_out, int64_t len, int flags)
{
    return JSL_RETRY(splice(fd_in, NULL, fd_out, NULL, (size_t)len, (unsigned int)flags));
}

int64_t jsl_splice_at(int fd_in, int64_t off_in, int fd_out, int64_t len, int flags)
{
    return JSL_RETRY(splice(fd_in, JSL_PTR(off_in), fd_out, NULL, (size_t)len, (unsigned int)flags));
}

int64_t jsl_vmsplice(int fd, int64_t iov, int nr_segs, int flags)
{
    return JSL_RETRY(vmsplice(fd, JSL_PTR(iov), (size_t)nr_segs, (unsigned int)flags));
}

int64_t jsl_pipe2(int flags)
{
    int fds[2];
    long rc = JSL_RETRY(pipe2(fds, flags));
    if (rc < 0)
        return rc;
    return ((int64_t)fds[0] << 32) | (uint32_t)fds[1];
}

int jsl_pipe_set_size(int fd, int size)
{
    return (int)JSL_RETRY(fcntl(fd, F_SETPIPE_SZ, size));
}

int jsl_pipe_get_size(int fd)
{
    return (int)JSL_RETRY(fcntl(fd, F_GETPIPE_SZ));
}

int jsl_open(int64_t path, int flags, int mode)
{
    return (int)JSL_RETRY(open(JSL_PTR(path), flags, (mode_t)mode));
}
