/* Raw TCP baseline for the end-to-end benchmarks: what the kernel alone gives for the traffic jsocklnd
 * carries, with the same system calls and none of the protocol. Each case connects two loopback addresses
 * in one process, runs a receiving (or echoing) thread against the main thread as the sender, and prints
 * one line of key=value pairs on stdout.
 *
 *   rtt   Round-trip latency of an N-byte ping-pong: the floor under an LNet PUT+ACK round trip.
 *         blocking: blocking sockets, read/write (jsocklnd's IO thread waiting in epoll);
 *         busypoll: non-blocking sockets spinning on recv(MSG_DONTWAIT) (jsocklnd's busy-spin mode).
 *   bulk  Throughput and sender CPU time of C messages of N bytes, one mode per jsocklnd send path:
 *         send         send() from a user buffer (the copy path, writev/send),
 *         splice       vmsplice into a pipe, splice from the pipe to the socket (the splice path),
 *         msg_zerocopy send(MSG_ZEROCOPY), completions read from the error queue (the MSG_ZEROCOPY path),
 *         sendfile     sendfile() from a file of N bytes (the sendfile path).
 *   rate  Messages per second of small pipelined messages, B per writev (B = 1: one write each), as
 *         jsocklnd's copy path gathers queued messages into one writev.
 *
 * Every socket has TCP_NODELAY, as jsocklnd's connections have by default; buffer sizes are the system's.
 * Exit status: 0 with the result line, 1 on a failure, 2 on bad usage, 3 when the alarm (--timeout) fires;
 * every failure is reported on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RB_SINK_BUF (1 << 20)           /* receive buffer of the bulk and rate receivers */
#define RB_PIPE_SIZE (1 << 20)          /* pipe size asked for by the splice mode */
#define RB_ZC_MAX_BYTES (64LL << 20)    /* MSG_ZEROCOPY bytes sent but not yet completed, at most */
#define RB_ZC_RING 65536                /* MSG_ZEROCOPY send calls not yet completed, at most (power of 2) */
#define RB_MAX_SIZE (1LL << 30)
#define RB_MAX_COUNT (1LL << 31)
#define RB_MAX_RTT_COUNT (10LL * 1000 * 1000)

/* Options; each case takes the ones in its mask. */
enum {
    OPT_MODE = 1 << 0,
    OPT_SIZE = 1 << 1,
    OPT_COUNT = 1 << 2,
    OPT_WARMUP = 1 << 3,
    OPT_BATCH = 1 << 4,
    OPT_SERVER = 1 << 5,
    OPT_CLIENT = 1 << 6,
    OPT_PORT = 1 << 7,
    OPT_FILE = 1 << 8,
    OPT_TIMEOUT = 1 << 9,
};

#define OPT_COMMON (OPT_SERVER | OPT_CLIENT | OPT_PORT)

struct opts {
    const char *mode;
    long long size;
    long long count;
    long long warmup;
    long long batch;
    const char *server;
    const char *client;
    long long port;
    const char *file;
    long long timeout;
    int seen;
};

static const char usage_text[] =
    "usage: jsl_rawbench rtt  --mode blocking|busypoll --size N --count C --warmup W COMMON\n"
    "       jsl_rawbench bulk --mode send|splice|msg_zerocopy|sendfile --size N --count C [--file PATH] COMMON\n"
    "       jsl_rawbench rate --size N --count C --batch B COMMON\n"
    "COMMON: --server IP --client IP --port P [--timeout SECONDS (default 60)]\n";

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    fputs("jsl_rawbench: ", stderr);
    va_start(ap, fmt);
    errno = saved; /* for %m */
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void usage(const char *fmt, ...)
{
    va_list ap;

    fputs("jsl_rawbench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage_text);
    exit(2);
}

static void on_alarm(int sig)
{
    static const char msg[] = "jsl_rawbench: timed out\n";

    (void)sig;
    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* nothing left to report it to */
    }
    _exit(3);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double thread_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == -1)
        die("getrusage: %m");
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Page-aligned (vmsplice and MSG_ZEROCOPY pin whole pages) and filled, so no page is left untouched. */
static unsigned char *alloc_filled(size_t n)
{
    void *p;
    int rc = posix_memalign(&p, (size_t)sysconf(_SC_PAGESIZE), n);
    if (rc != 0)
        die("cannot allocate %zu bytes: %s", n, strerror(rc));
    for (size_t i = 0; i < n; i++)
        ((unsigned char *)p)[i] = (unsigned char)(i * 131u + 7u);
    return p;
}

/* ---- options ---- */

static long long parse_num(const char *name, const char *text, long long min, long long max)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
        usage("--%s must be an integer in [%lld, %lld]: %s", name, min, max, text);
    return v;
}

static void parse_opts(int argc, char **argv, int allowed, int required, struct opts *o)
{
    static const struct option longopts[] = {
        { "mode", required_argument, NULL, OPT_MODE },
        { "size", required_argument, NULL, OPT_SIZE },
        { "count", required_argument, NULL, OPT_COUNT },
        { "warmup", required_argument, NULL, OPT_WARMUP },
        { "batch", required_argument, NULL, OPT_BATCH },
        { "server", required_argument, NULL, OPT_SERVER },
        { "client", required_argument, NULL, OPT_CLIENT },
        { "port", required_argument, NULL, OPT_PORT },
        { "file", required_argument, NULL, OPT_FILE },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { NULL, 0, NULL, 0 },
    };
    int c, index;

    memset(o, 0, sizeof(*o));
    o->timeout = 60;
    optind = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, &index)) != -1) {
        if (c == '?' || c == ':')
            usage("unknown option or missing value: %s", argv[optind - 1]);
        if (!(c & allowed))
            usage("--%s is not an option of %s", longopts[index].name, argv[1]);
        o->seen |= c;
        switch (c) {
        case OPT_MODE: o->mode = optarg; break;
        case OPT_SIZE: o->size = parse_num("size", optarg, 1, RB_MAX_SIZE); break;
        case OPT_COUNT: o->count = parse_num("count", optarg, 1, RB_MAX_COUNT); break;
        case OPT_WARMUP: o->warmup = parse_num("warmup", optarg, 0, RB_MAX_COUNT); break;
        case OPT_BATCH: o->batch = parse_num("batch", optarg, 1, IOV_MAX); break;
        case OPT_SERVER: o->server = optarg; break;
        case OPT_CLIENT: o->client = optarg; break;
        case OPT_PORT: o->port = parse_num("port", optarg, 1, 65535); break;
        case OPT_FILE: o->file = optarg; break;
        case OPT_TIMEOUT: o->timeout = parse_num("timeout", optarg, 1, 86400); break;
        }
    }
    if (optind < argc)
        usage("unexpected argument: %s", argv[optind]);
    for (int i = 0; longopts[i].name != NULL; i++) {
        if ((required & longopts[i].val) && !(o->seen & longopts[i].val))
            usage("%s needs --%s", argv[1], longopts[i].name);
    }
}

/* Index of mode in names (NULL-terminated), or a usage error. */
static int parse_mode(const char *mode, const char *const *names)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(mode, names[i]) == 0)
            return i;
    }
    usage("unknown --mode: %s", mode);
}

/* ---- connection ---- */

static socklen_t parse_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        return sizeof(*sin);
    }
    if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        return sizeof(*sin6);
    }
    usage("not an IP address: %s", ip);
}

static void set_int_option(int fd, int level, int name, int value, const char *what)
{
    if (setsockopt(fd, level, name, &value, sizeof(value)) == -1)
        die("setsockopt %s: %m", what);
}

/* One connection: *client is bound to --client and connected to --server:--port, *server accepted there.
 * Both are blocking; the listener is closed again. */
static void connect_pair(const struct opts *o, int *client, int *server)
{
    struct sockaddr_storage server_addr, client_addr;
    socklen_t server_len = parse_addr(o->server, (int)o->port, &server_addr);
    socklen_t client_len = parse_addr(o->client, 0, &client_addr);
    int family = server_addr.ss_family;

    if (client_addr.ss_family != family)
        usage("--server and --client must be of one address family");
    int listener = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (listener == -1)
        die("socket: %m");
    set_int_option(listener, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    if (bind(listener, (struct sockaddr *)&server_addr, server_len) == -1)
        die("bind %s:%lld: %m", o->server, o->port);
    if (listen(listener, 1) == -1)
        die("listen: %m");

    *client = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    if (*client == -1)
        die("socket: %m");
    if (bind(*client, (struct sockaddr *)&client_addr, client_len) == -1)
        die("bind %s: %m", o->client);
    /* The handshake completes in the listener's backlog, so a blocking connect returns before accept. */
    if (connect(*client, (struct sockaddr *)&server_addr, server_len) == -1)
        die("connect %s:%lld: %m", o->server, o->port);
    *server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (*server == -1)
        die("accept: %m");
    close(listener);

    set_int_option(*client, SOL_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    set_int_option(*server, SOL_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
}

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die("fcntl O_NONBLOCK: %m");
}

/* ---- plain transfers (bounded by the bytes asked for; the busy-poll spins by the alarm) ---- */

static void write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            die("write: %m");
        }
        p += w;
        n -= (size_t)w;
    }
}

static void read_all(int fd, unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r == -1) {
            if (errno == EINTR)
                continue;
            die("read: %m");
        }
        if (r == 0)
            die("read: connection closed with %zu bytes outstanding", n);
        p += r;
        n -= (size_t)r;
    }
}

static void spin_send_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            die("send: %m");
        }
        p += w;
        n -= (size_t)w;
    }
}

static void spin_recv_all(int fd, unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = recv(fd, p, n, MSG_DONTWAIT);
        if (r == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            die("recv: %m");
        }
        if (r == 0)
            die("recv: connection closed with %zu bytes outstanding", n);
        p += r;
        n -= (size_t)r;
    }
}

/* ---- rtt ---- */

struct echo {
    int fd;
    int busy;
    size_t size;
    long long rounds;
};

static void *echo_run(void *arg)
{
    const struct echo *e = arg;
    unsigned char *buf = alloc_filled(e->size);

    for (long long i = 0; i < e->rounds; i++) {
        if (e->busy) {
            spin_recv_all(e->fd, buf, e->size);
            spin_send_all(e->fd, buf, e->size);
        } else {
            read_all(e->fd, buf, e->size);
            write_all(e->fd, buf, e->size);
        }
    }
    free(buf);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least permille/1000 of the samples at or below it. */
static uint64_t percentile(const uint64_t *sorted, long long n, long long permille)
{
    long long rank = (permille * n + 999) / 1000;
    return sorted[rank < 1 ? 0 : rank - 1];
}

static void run_rtt(int argc, char **argv)
{
    static const char *const modes[] = { "blocking", "busypoll", NULL };
    struct opts o;
    int client, server;
    pthread_t thread;

    parse_opts(argc, argv, OPT_MODE | OPT_SIZE | OPT_COUNT | OPT_WARMUP | OPT_COMMON | OPT_TIMEOUT,
               OPT_MODE | OPT_SIZE | OPT_COUNT | OPT_WARMUP | OPT_COMMON, &o);
    int busy = parse_mode(o.mode, modes);
    if (o.count > RB_MAX_RTT_COUNT)
        usage("rtt --count must be at most %lld", RB_MAX_RTT_COUNT);
    alarm((unsigned)o.timeout);

    size_t size = (size_t)o.size;
    uint64_t *samples = calloc((size_t)o.count, sizeof(*samples));
    unsigned char *buf = alloc_filled(size);
    if (samples == NULL)
        die("cannot allocate %lld samples", o.count);
    connect_pair(&o, &client, &server);
    if (busy) {
        set_nonblocking(client);
        set_nonblocking(server);
    }
    struct echo e = { .fd = server, .busy = busy, .size = size, .rounds = o.warmup + o.count };
    int rc = pthread_create(&thread, NULL, echo_run, &e);
    if (rc != 0)
        die("pthread_create: %s", strerror(rc));

    for (long long i = 0; i < o.warmup + o.count; i++) {
        uint64_t start = now_ns();
        if (busy) {
            spin_send_all(client, buf, size);
            spin_recv_all(client, buf, size);
        } else {
            write_all(client, buf, size);
            read_all(client, buf, size);
        }
        uint64_t end = now_ns();
        if (i >= o.warmup)
            samples[i - o.warmup] = end - start;
    }
    pthread_join(thread, NULL);

    qsort(samples, (size_t)o.count, sizeof(*samples), cmp_u64);
    uint64_t sum = 0;
    for (long long i = 0; i < o.count; i++)
        sum += samples[i];
    printf("case=rtt mode=%s size=%lld count=%lld p50_ns=%llu p90_ns=%llu p99_ns=%llu p999_ns=%llu "
           "min_ns=%llu max_ns=%llu mean_ns=%llu\n",
           o.mode, o.size, o.count,
           (unsigned long long)percentile(samples, o.count, 500),
           (unsigned long long)percentile(samples, o.count, 900),
           (unsigned long long)percentile(samples, o.count, 990),
           (unsigned long long)percentile(samples, o.count, 999),
           (unsigned long long)samples[0], (unsigned long long)samples[o.count - 1],
           (unsigned long long)((sum + (uint64_t)o.count / 2) / (uint64_t)o.count));
    close(client);
    close(server);
    free(buf);
    free(samples);
}

/* ---- receiver of bulk and rate: reads total bytes, then replies one byte ---- */

struct sink {
    int fd;
    uint64_t total;
};

static void *sink_run(void *arg)
{
    const struct sink *s = arg;
    unsigned char *buf = alloc_filled(RB_SINK_BUF);
    uint64_t got = 0;

    while (got < s->total) {
        uint64_t want = s->total - got < RB_SINK_BUF ? s->total - got : RB_SINK_BUF;
        ssize_t r = read(s->fd, buf, (size_t)want);
        if (r == -1) {
            if (errno == EINTR)
                continue;
            die("receiver read: %m");
        }
        if (r == 0)
            die("receiver: connection closed after %llu of %llu bytes",
                (unsigned long long)got, (unsigned long long)s->total);
        got += (uint64_t)r;
    }
    write_all(s->fd, buf, 1);
    free(buf);
    return NULL;
}

static pthread_t start_sink(struct sink *s)
{
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, sink_run, s);
    if (rc != 0)
        die("pthread_create: %s", strerror(rc));
    return thread;
}

/* ---- bulk: splice ---- */

/* Hands buf to the pipe with vmsplice and moves it on to the socket with splice, as much as the pipe holds
 * at a time; SPLICE_F_MORE while more of the message is still to come. The pages stay referenced by the
 * socket until sent, so the buffer is reused without waiting: the content does not matter here. */
static void splice_message(int sock, const int pipe_fds[2], size_t pipe_size, const unsigned char *buf,
                           size_t n)
{
    size_t handed = 0, written = 0, in_pipe = 0;

    while (written < n) {
        if (in_pipe < pipe_size && handed < n) {
            size_t want = n - handed < pipe_size - in_pipe ? n - handed : pipe_size - in_pipe;
            struct iovec iov = { .iov_base = (void *)(buf + handed), .iov_len = want };
            ssize_t r = vmsplice(pipe_fds[1], &iov, 1, SPLICE_F_NONBLOCK);
            if (r == -1) {
                if (errno != EAGAIN && errno != EINTR)
                    die("vmsplice: %m");
                if (in_pipe == 0)
                    die("vmsplice: no room in an empty pipe");
                r = 0;
            }
            handed += (size_t)r;
            in_pipe += (size_t)r;
        }
        unsigned int flags = SPLICE_F_MOVE | (handed < n ? SPLICE_F_MORE : 0);
        ssize_t r = splice(pipe_fds[0], NULL, sock, NULL, in_pipe, flags);
        if (r == -1) {
            if (errno == EINTR)
                continue;
            die("splice: %m");
        }
        if (r == 0)
            die("splice: pipe empty with %zu bytes in it", in_pipe);
        in_pipe -= (size_t)r;
        written += (size_t)r;
    }
}

/* ---- bulk: MSG_ZEROCOPY ---- */

/* Send calls in flight: the kernel numbers each successful MSG_ZEROCOPY call from 0 and reports completed
 * ranges [lo, hi] of those numbers on the error queue. */
struct zc {
    int fd;
    uint32_t next_id;              /* number of the next call */
    uint32_t oldest;               /* lowest number not yet completed */
    uint64_t bytes_in_flight;
    uint32_t bytes[RB_ZC_RING];    /* bytes of each call in flight */
    unsigned char done[RB_ZC_RING];
    long long completions;         /* notifications read */
    long long copied;              /* of which carried SO_EE_CODE_ZEROCOPY_COPIED */
};

static void zc_complete(struct zc *z, uint32_t lo, uint32_t hi)
{
    uint32_t in_flight = z->next_id - z->oldest;

    if (lo - z->oldest >= in_flight || hi - lo >= in_flight - (lo - z->oldest))
        die("MSG_ZEROCOPY completion [%u, %u] outside the calls in flight [%u, %u)", lo, hi, z->oldest,
            z->next_id);
    for (uint32_t id = lo;; id++) {
        uint32_t slot = id & (RB_ZC_RING - 1);
        if (z->done[slot])
            die("MSG_ZEROCOPY call %u completed twice", id);
        z->done[slot] = 1;
        z->bytes_in_flight -= z->bytes[slot];
        if (id == hi)
            break;
    }
    while (z->oldest != z->next_id && z->done[z->oldest & (RB_ZC_RING - 1)])
        z->oldest++;
}

/* Reads every notification queued now (the error queue never blocks); returns how many. */
static int zc_reap(struct zc *z)
{
    int n = 0;

    for (;;) {
        union {
            char buf[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
            struct cmsghdr align;
        } control;
        struct msghdr msg = { .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
        struct sock_extended_err ee;
        int found = 0;

        if (recvmsg(z->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return n;
            if (errno == EINTR)
                continue;
            die("recvmsg MSG_ERRQUEUE: %m");
        }
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL && !found; cm = CMSG_NXTHDR(&msg, cm)) {
            /* AF_INET reports on SOL_IP, AF_INET6 on SOL_IPV6. */
            if ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
                (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)) {
                memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
                found = 1;
            }
        }
        if (!found)
            die("error queue: message without IP_RECVERR/IPV6_RECVERR");
        if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_errno != 0)
            die("error queue: origin %u: %s", ee.ee_origin, strerror((int)ee.ee_errno));
        zc_complete(z, ee.ee_info, ee.ee_data);
        z->completions++;
        if (ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
            z->copied++;
        n++;
    }
}

/* Reaps until at most max_bytes and max_calls are in flight; waits in poll, whose POLLERR says the error
 * queue holds something. Bounded by the alarm. */
static void zc_wait(struct zc *z, uint64_t max_bytes, uint32_t max_calls)
{
    while (z->bytes_in_flight > max_bytes || z->next_id - z->oldest > max_calls) {
        if (zc_reap(z) > 0)
            continue;
        struct pollfd pfd = { .fd = z->fd, .events = 0 };
        if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
            die("poll: %m");
    }
}

static void zc_message(struct zc *z, const unsigned char *buf, size_t n)
{
    size_t off = 0;

    while (off < n) {
        size_t want = n - off < (size_t)RB_ZC_MAX_BYTES ? n - off : (size_t)RB_ZC_MAX_BYTES;
        zc_wait(z, (uint64_t)(RB_ZC_MAX_BYTES - (long long)want), RB_ZC_RING - 1);
        ssize_t w = send(z->fd, buf + off, want, MSG_ZEROCOPY | MSG_NOSIGNAL);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS && z->next_id != z->oldest) {
                /* optmem_max is taken by notifications not yet read: read one, then retry. */
                zc_wait(z, z->bytes_in_flight, z->next_id - z->oldest - 1);
                continue;
            }
            die("send MSG_ZEROCOPY: %m");
        }
        uint32_t slot = z->next_id & (RB_ZC_RING - 1);
        z->bytes[slot] = (uint32_t)w;
        z->done[slot] = 0;
        z->bytes_in_flight += (uint64_t)w;
        z->next_id++;
        off += (size_t)w;
    }
}

/* ---- bulk ---- */

enum { BULK_SEND, BULK_SPLICE, BULK_ZEROCOPY, BULK_SENDFILE };

static void sendfile_message(int sock, int file_fd, size_t n)
{
    off_t off = 0;

    while ((size_t)off < n) {
        ssize_t w = sendfile(sock, file_fd, &off, n - (size_t)off);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            die("sendfile: %m");
        }
        if (w == 0)
            die("sendfile: file ends at %lld of %zu bytes", (long long)off, n);
    }
}

/* The file to send: --file (read once so that it is in the page cache), else a temporary file of buf,
 * unlinked at once so that it goes when closed, however the run ends. */
static int open_send_file(const char *path, const unsigned char *buf, size_t n)
{
    int fd;

    if (path != NULL) {
        struct stat st;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd == -1)
            die("open %s: %m", path);
        if (fstat(fd, &st) == -1)
            die("fstat %s: %m", path);
        if (st.st_size < (off_t)n)
            die("%s holds %lld bytes, fewer than --size %zu", path, (long long)st.st_size, n);
        unsigned char *scratch = alloc_filled(RB_SINK_BUF);
        for (size_t off = 0; off < n;) {
            size_t want = n - off < RB_SINK_BUF ? n - off : RB_SINK_BUF;
            ssize_t r = pread(fd, scratch, want, (off_t)off);
            if (r <= 0)
                die("read %s: %s", path, r == 0 ? "short file" : strerror(errno));
            off += (size_t)r;
        }
        free(scratch);
        return fd;
    }

    const char *dir = getenv("TMPDIR");
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s/jsl_rawbench.XXXXXX", dir != NULL && *dir ? dir : "/tmp") >=
        (int)sizeof(tmp))
        die("TMPDIR too long");
    fd = mkstemp(tmp);
    if (fd == -1)
        die("mkstemp %s: %m", tmp);
    if (unlink(tmp) == -1)
        die("unlink %s: %m", tmp);
    write_all(fd, buf, n);
    return fd;
}

static void run_bulk(int argc, char **argv)
{
    static const char *const modes[] = { "send", "splice", "msg_zerocopy", "sendfile", NULL };
    struct opts o;
    int client, server;
    int pipe_fds[2] = { -1, -1 };
    size_t pipe_size = 0;
    int file_fd = -1;
    struct zc *z = NULL;

    parse_opts(argc, argv, OPT_MODE | OPT_SIZE | OPT_COUNT | OPT_FILE | OPT_COMMON | OPT_TIMEOUT,
               OPT_MODE | OPT_SIZE | OPT_COUNT | OPT_COMMON, &o);
    int mode = parse_mode(o.mode, modes);
    if (o.file != NULL && mode != BULK_SENDFILE)
        usage("--file is for --mode sendfile");
    alarm((unsigned)o.timeout);

    size_t size = (size_t)o.size;
    unsigned char *buf = alloc_filled(size);
    connect_pair(&o, &client, &server);
    switch (mode) {
    case BULK_SPLICE: {
        if (pipe2(pipe_fds, O_CLOEXEC) == -1)
            die("pipe2: %m");
        /* 1 MiB if allowed (fs.pipe-max-size, pipe-user-pages-soft), else the size the pipe has. */
        int got = fcntl(pipe_fds[1], F_SETPIPE_SZ, RB_PIPE_SIZE);
        if (got == -1)
            got = fcntl(pipe_fds[1], F_GETPIPE_SZ);
        if (got <= 0)
            die("F_GETPIPE_SZ: %m");
        pipe_size = (size_t)got;
        break;
    }
    case BULK_ZEROCOPY:
        set_int_option(client, SOL_SOCKET, SO_ZEROCOPY, 1, "SO_ZEROCOPY");
        z = calloc(1, sizeof(*z));
        if (z == NULL)
            die("cannot allocate the MSG_ZEROCOPY state");
        z->fd = client;
        break;
    case BULK_SENDFILE:
        file_fd = open_send_file(o.file, buf, size);
        break;
    }

    struct sink s = { .fd = server, .total = (uint64_t)o.size * (uint64_t)o.count };
    pthread_t thread = start_sink(&s);
    unsigned char reply;
    double cpu_start = thread_cpu_s();
    uint64_t start = now_ns();
    for (long long i = 0; i < o.count; i++) {
        switch (mode) {
        case BULK_SEND:
            write_all(client, buf, size);
            break;
        case BULK_SPLICE:
            splice_message(client, pipe_fds, pipe_size, buf, size);
            break;
        case BULK_ZEROCOPY:
            zc_message(z, buf, size);
            break;
        case BULK_SENDFILE:
            sendfile_message(client, file_fd, size);
            break;
        }
    }
    read_all(client, &reply, 1);
    if (z != NULL)
        zc_wait(z, 0, 0);
    uint64_t end = now_ns();
    double cpu = thread_cpu_s() - cpu_start;
    pthread_join(thread, NULL);

    double seconds = (double)(end - start) / 1e9;
    printf("case=bulk mode=%s size=%lld count=%lld gbit_per_s=%.3f seconds=%.6f sender_cpu_s=%.6f",
           o.mode, o.size, o.count, (double)s.total * 8 / seconds / 1e9, seconds, cpu);
    if (z != NULL)
        printf(" zc_copied=%lld zc_completions=%lld", z->copied, z->completions);
    printf("\n");

    if (pipe_fds[0] != -1) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
    }
    if (file_fd != -1)
        close(file_fd);
    close(client);
    close(server);
    free(z);
    free(buf);
}

/* ---- rate ---- */

/* Writes cnt iovecs, following partial writes; iov is consumed. */
static void writev_all(int fd, struct iovec *iov, int cnt)
{
    while (cnt > 0) {
        ssize_t w = writev(fd, iov, cnt);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            die("writev: %m");
        }
        while (cnt > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (unsigned char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
}

static void run_rate(int argc, char **argv)
{
    struct opts o;
    int client, server;

    parse_opts(argc, argv, OPT_SIZE | OPT_COUNT | OPT_BATCH | OPT_COMMON | OPT_TIMEOUT,
               OPT_SIZE | OPT_COUNT | OPT_BATCH | OPT_COMMON, &o);
    alarm((unsigned)o.timeout);

    size_t size = (size_t)o.size;
    int batch = (int)o.batch;
    unsigned char *buf = alloc_filled(size * (size_t)batch);
    struct iovec *msgs = calloc((size_t)batch, sizeof(*msgs));
    struct iovec *iov = calloc((size_t)batch, sizeof(*iov));
    if (msgs == NULL || iov == NULL)
        die("cannot allocate %d iovecs", batch);
    for (int i = 0; i < batch; i++)
        msgs[i] = (struct iovec){ .iov_base = buf + (size_t)i * size, .iov_len = size };
    connect_pair(&o, &client, &server);

    struct sink s = { .fd = server, .total = (uint64_t)o.size * (uint64_t)o.count };
    pthread_t thread = start_sink(&s);
    unsigned char reply;
    uint64_t start = now_ns();
    for (long long sent = 0; sent < o.count;) {
        int n = o.count - sent < batch ? (int)(o.count - sent) : batch;
        if (batch == 1) {
            write_all(client, buf, size);
        } else {
            memcpy(iov, msgs, (size_t)n * sizeof(*iov));
            writev_all(client, iov, n);
        }
        sent += n;
    }
    read_all(client, &reply, 1);
    uint64_t end = now_ns();
    pthread_join(thread, NULL);

    double seconds = (double)(end - start) / 1e9;
    printf("case=rate size=%lld count=%lld batch=%d msgs_per_s=%.0f seconds=%.6f\n",
           o.size, o.count, batch, (double)o.count / seconds, seconds);
    close(client);
    close(server);
    free(iov);
    free(msgs);
    free(buf);
}

int main(int argc, char **argv)
{
    struct sigaction sa = { .sa_handler = on_alarm };

    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGALRM, &sa, NULL) == -1)
        die("sigaction: %m");
    signal(SIGPIPE, SIG_IGN);

    if (argc < 2)
        usage("which case: rtt, bulk or rate?");
    if (strcmp(argv[1], "rtt") == 0)
        run_rtt(argc, argv);
    else if (strcmp(argv[1], "bulk") == 0)
        run_bulk(argc, argv);
    else if (strcmp(argv[1], "rate") == 0)
        run_rate(argc, argv);
    else
        usage("unknown case: %s", argv[1]);
    if (fflush(stdout) == EOF)
        die("stdout: %m");
    return 0;
}
