/*
 * jsl.h: the contract between jsocklnd's Java code and the Linux system calls it needs.
 *
 * Rules every function keeps:
 *  - one system call (jsl_bind_privileged: SO_REUSEADDR, then bind per port tried; jsl_const_* none);
 *  - EINTR is retried here (not for close, see jsl_close);
 *  - failure returns -errno, so the sign of the result is the whole outcome;
 *  - only int and int64_t cross the boundary: a pointer travels as an int64_t address of memory
 *    the caller owns (a direct buffer laid out by a Java flyweight), a length as an int;
 *  - at most five arguments (jnr-ffi corrupts the sixth argument of all-primitive calls);
 *  - no allocation, no mutable state (the constant table is static const data), no output.
 *
 * SIGPIPE: jsl_send and jsl_sendmsg always add MSG_NOSIGNAL. jsl_write, jsl_writev, jsl_sendfile,
 * jsl_splice* and jsl_vmsplice can raise SIGPIPE when the reader is gone; the JVM ignores SIGPIPE,
 * other callers must ignore it themselves.
 */
#ifndef JSL_H
#define JSL_H

#include <stdint.h>

#define JSL_API __attribute__((visibility("default")))

/* Bumped whenever a signature or struct jsl_zc_completion changes. */
#define JSL_ABI_VERSION 2

/* Range of privileged source ports jsl_bind_privileged tries, highest first. */
#define JSL_PRIV_PORT_MAX 1023
#define JSL_PRIV_PORT_MIN 512

/* One MSG_ZEROCOPY completion taken from the socket error queue (struct sock_extended_err). */
struct jsl_zc_completion {
    uint32_t zc_lo;     /* ee_info: first send id covered */
    uint32_t zc_hi;     /* ee_data: last send id covered, inclusive */
    uint32_t zc_errno;  /* ee_errno */
    uint8_t  zc_origin; /* ee_origin: SO_EE_ORIGIN_ZEROCOPY for a completion */
    uint8_t  zc_code;   /* ee_code: SO_EE_CODE_ZEROCOPY_COPIED when the kernel copied after all */
    uint16_t zc_pad;
};

/* ---- library meta ---- */

/* Returns JSL_ABI_VERSION. */
JSL_API int jsl_abi_version(void);

/* Returns value unchanged; the baseline for the cost of a call across the boundary. */
JSL_API int jsl_noop(int value);

/* Returns how many entries the constant table holds (errno values, flags, sizeof/offsetof). */
JSL_API int jsl_const_count(void);

/* Copies the NUL-terminated name of entry index into buf; returns its length without the NUL,
 * -EINVAL for an index outside [0, jsl_const_count()), -ENOSPC when cap is too small. */
JSL_API int jsl_const_name(int index, int64_t buf, int cap);

/* Returns the value of entry index (32-bit constants sign-extended), 0 for an index out of range. */
JSL_API int64_t jsl_const_value(int index);

/* Returns sysconf(_SC_PAGESIZE). */
JSL_API int64_t jsl_page_size(void);

/* ---- sockets ---- */

/* Opens a non-blocking, close-on-exec TCP socket of family AF_INET or AF_INET6; returns the fd. */
JSL_API int jsl_socket_tcp(int family);

/* Binds fd to the sockaddr at addr (addrlen bytes); returns 0. */
JSL_API int jsl_bind(int fd, int64_t addr, int addrlen);

/* Sets SO_REUSEADDR, then binds fd to the sockaddr at addr with source ports start_port down to
 * JSL_PRIV_PORT_MIN, skipping EADDRINUSE and EADDRNOTAVAIL, writing each port into the sockaddr.
 * Returns the bound port, -EADDRINUSE when no port is free, -EINVAL for start_port outside
 * [JSL_PRIV_PORT_MIN, JSL_PRIV_PORT_MAX] or a family other than AF_INET/AF_INET6. */
JSL_API int jsl_bind_privileged(int fd, int64_t addr, int addrlen, int start_port);

/* listen(2); returns 0. */
JSL_API int jsl_listen(int fd, int backlog);

/* Accepts one connection as a non-blocking, close-on-exec fd and returns it; writes the peer's
 * sockaddr to addr (addrlen bytes of room) unless addr is 0. -EAGAIN when none is pending. */
JSL_API int jsl_accept4(int fd, int64_t addr, int addrlen);

/* Starts connecting fd to the sockaddr at addr. Returns 0 when connected at once, -EINPROGRESS
 * while the handshake runs (finish with jsl_finish_connect once fd is writable), else -errno. */
JSL_API int jsl_connect(int fd, int64_t addr, int addrlen);

/* Reads SO_ERROR after a non-blocking connect made fd writable: 0 when connected, else -error. */
JSL_API int jsl_finish_connect(int fd);

/* Writes the local sockaddr of fd to addr (addrlen bytes of room); returns its length. */
JSL_API int jsl_getsockname(int fd, int64_t addr, int addrlen);

/* Writes the peer sockaddr of fd to addr (addrlen bytes of room); returns its length. */
JSL_API int jsl_getpeername(int fd, int64_t addr, int addrlen);

/* Sets an int socket option (TCP_NODELAY, SO_SNDBUF, SO_ZEROCOPY, ...); returns 0. */
JSL_API int jsl_setsockopt_int(int fd, int level, int optname, int value);

/* Returns the value of an int socket option; only for options whose values are never negative. */
JSL_API int jsl_getsockopt_int(int fd, int level, int optname);

/* Sets a socket option from optlen bytes at optval (e.g. struct linger); returns 0. */
JSL_API int jsl_setsockopt(int fd, int level, int optname, int64_t optval, int optlen);

/* Reads a socket option into optval (optlen bytes of room); returns the length written. */
JSL_API int jsl_getsockopt(int fd, int level, int optname, int64_t optval, int optlen);

/* Bytes in fd's send queue not yet acknowledged by the peer (ioctl SIOCOUTQ: sent but unacknowledged
 * plus not yet sent), else -errno. */
JSL_API int jsl_outq(int fd);

/* shutdown(2) with SHUT_RD, SHUT_WR or SHUT_RDWR; returns 0. */
JSL_API int jsl_shutdown(int fd, int how);

/* Closes fd; returns 0. Not retried on EINTR: Linux has released the fd by then. */
JSL_API int jsl_close(int fd);

/* Polls one fd for events (POLLIN, POLLOUT); returns revents, 0 after timeout_ms (-1 waits
 * forever). A retry after EINTR starts the timeout again. */
JSL_API int jsl_poll(int fd, int events, int timeout_ms);

/* ---- data ---- */

/* read(2) into len bytes at buf; returns bytes read, 0 at end of stream, -EAGAIN when empty. */
JSL_API int64_t jsl_read(int fd, int64_t buf, int len);

/* write(2) of len bytes at buf; returns bytes written. For pipes and files (may raise SIGPIPE). */
JSL_API int64_t jsl_write(int fd, int64_t buf, int len);

/* send(2) of len bytes at buf with flags | MSG_NOSIGNAL (MSG_ZEROCOPY allowed); returns bytes sent. */
JSL_API int64_t jsl_send(int fd, int64_t buf, int len, int flags);

/* readv(2) into the iovcnt struct iovec at iov; returns bytes read, 0 at end of stream. */
JSL_API int64_t jsl_readv(int fd, int64_t iov, int iovcnt);

/* writev(2) of the iovcnt struct iovec at iov; returns bytes written (may raise SIGPIPE). */
JSL_API int64_t jsl_writev(int fd, int64_t iov, int iovcnt);

/* sendmsg(2) of the struct msghdr at msg with flags | MSG_NOSIGNAL; with MSG_ZEROCOPY (and
 * SO_ZEROCOPY set) each successful call takes the next send id, starting at 0 per socket. */
JSL_API int64_t jsl_sendmsg(int fd, int64_t msg, int flags);

/* recvmsg(2) into the struct msghdr at msg; returns bytes read, 0 at end of stream. */
JSL_API int64_t jsl_recvmsg(int fd, int64_t msg, int flags);

/* Reads one notification from the error queue of fd (recvmsg MSG_ERRQUEUE, IP_RECVERR or
 * IPV6_RECVERR) into the struct jsl_zc_completion at out. Returns 1 when one was read, 0 when the
 * queue is empty, -EPROTO when the message carried no extended error, else -errno. */
JSL_API int jsl_recv_zc_completion(int fd, int64_t out);

/* sendfile(2) of count bytes from in_fd to out_fd; reads and advances the off_t at offset, or the
 * file position of in_fd when offset is 0. Returns bytes sent. */
JSL_API int64_t jsl_sendfile(int out_fd, int in_fd, int64_t offset, int64_t count);

/* splice(2) of up to len bytes from fd_in to fd_out (one must be a pipe) at their file positions;
 * flags are SPLICE_F_*. Returns bytes moved, 0 when fd_in is at its end. */
JSL_API int64_t jsl_splice(int fd_in, int fd_out, int64_t len, int flags);

/* splice(2) as jsl_splice but reading fd_in (not a pipe) at the loff_t at off_in, which advances. */
JSL_API int64_t jsl_splice_at(int fd_in, int64_t off_in, int fd_out, int64_t len, int flags);

/* vmsplice(2) of the nr_segs struct iovec at iov into the pipe fd; returns bytes moved. Without
 * SPLICE_F_GIFT the pipe holds references to the user pages: do not reuse them until read out. */
JSL_API int64_t jsl_vmsplice(int fd, int64_t iov, int nr_segs, int flags);

/* pipe2(2) with flags (O_NONBLOCK, O_CLOEXEC); returns read fd << 32 | write fd. */
JSL_API int64_t jsl_pipe2(int flags);

/* fcntl F_SETPIPE_SZ; returns the capacity the kernel chose (at least size). */
JSL_API int jsl_pipe_set_size(int fd, int size);

/* fcntl F_GETPIPE_SZ; returns the pipe capacity in bytes. */
JSL_API int jsl_pipe_get_size(int fd);

/* open(2) of the NUL-terminated path at path; returns the fd. */
JSL_API int jsl_open(int64_t path, int flags, int mode);

/* ---- epoll ---- */

/* epoll_create1(2) with 0 or EPOLL_CLOEXEC; returns the epoll fd. */
JSL_API int jsl_epoll_create1(int flags);

/* epoll_ctl(2): op EPOLL_CTL_ADD/MOD/DEL of fd with events (EPOLL* bits) and data returned
 * unchanged in epoll_event.data.u64; returns 0. */
JSL_API int jsl_epoll_ctl(int epfd, int op, int fd, int events, int64_t data);

/* epoll_wait(2) into maxevents struct epoll_event at events (packed, 12 bytes on x86_64); returns
 * the number filled, 0 after timeout_ms. A retry after EINTR starts the timeout again. */
JSL_API int jsl_epoll_wait(int epfd, int64_t events, int maxevents, int timeout_ms);

/* eventfd(2) with initial count initval and EFD_NONBLOCK/EFD_CLOEXEC flags; returns the fd. A thread that
 * writes 8 bytes (a count) to it makes it readable in an epoll set, which wakes the thread waiting there. */
JSL_API int jsl_eventfd(int initval, int flags);

#endif
