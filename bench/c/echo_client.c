/*
 * echoport bench: a one-thread epoll load client, so the benchmark measures the server and not a JVM client.
 *
 * Closed loop: each connection keeps PIPELINE messages of SIZE bytes in flight and sends the next when one has come
 * back whole. Every echoed byte is checked: each connection sends its own stretch of one pseudo-random pattern
 * (xorshift, a prime period), so a wrong, lost, reordered or crossed-over byte is a mismatch. Round trips and latency
 * count in the measured window only (after the warm-up); when the window ends no new message is sent and every one
 * in flight must still come back ("drained"). With -S PID it also reads that process's CPU time (utime + stime from
 * /proc) at the start and the end of the measured window, so the server's CPU per round trip covers exactly the
 * round trips counted.
 *
 *   echo_client -p PORT [-H host] [-c conns] [-s size] [-q pipeline] [-w warmup_ms] [-d duration_ms] [-S pid]
 *
 * Prints one JSON object on stdout. Exit status: 0 clean, 1 a mismatch, 3 connection errors or not drained.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 65521u           /* the pattern repeats every PERIOD bytes (prime, so connections differ) */
#define READ_SIZE (256 * 1024)
#define SUB_BITS 6              /* latency histogram: 64 sub-buckets per power of two, ~1.6% precision */
#define BUCKETS (64 + 40 * 64)

enum phase { WARMUP, MEASURED, STOPPED };

struct conn {
    int fd;
    int open;
    uint32_t start;             /* where this connection's stretch of the pattern begins */
    uint64_t sent, allowed;     /* bytes written so far; bytes it may write (messages issued x size) */
    uint64_t received;
    uint64_t *issued_ns;        /* ring of PIPELINE send times, oldest first at received / size */
    int want_out;
};

static uint8_t *pattern;        /* PERIOD bytes, then enough of its start again that any read compares flat */
static uint64_t hist[BUCKETS];
static uint64_t measured_rt, mismatches, resets, refused;
static uint64_t measured_sent, measured_received, total_sent, total_received;
static int size = 512, pipeline = 1, epfd;
static enum phase phase = WARMUP;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

static int bucket(uint64_t us) {
    if (us < 64) return (int) us;
    int e = 63 - __builtin_clzll(us);
    int i = 64 + (e - SUB_BITS) * 64 + (int) ((us >> (e - SUB_BITS)) & 63);
    return i < BUCKETS ? i : BUCKETS - 1;
}

static uint64_t bucket_value(int i) { /* the middle of bucket i, in microseconds */
    if (i < 64) return (uint64_t) i;
    int e = (i - 64) / 64 + SUB_BITS;
    uint64_t low = (uint64_t) (64 + (i - 64) % 64) << (e - SUB_BITS);
    return low + ((1ull << (e - SUB_BITS)) >> 1);
}

static uint64_t percentile(double p, uint64_t count) {
    uint64_t rank = (uint64_t) (p / 100.0 * (double) count + 0.5), seen = 0;
    if (rank < 1) rank = 1;
    for (int i = 0; i < BUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank) return bucket_value(i);
    }
    return 0;
}

static double cpu_of(long pid) { /* utime + stime of a process in seconds, -1 if unreadable */
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long utime, stime;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) {
        return -1;
    }
    return (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
}

static double own_cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double) u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static void watch(struct conn *c, int out) {
    if (c->want_out == out) return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = out;
}

static void lose(struct conn *c) {
    if (!c->open) return;
    c->open = 0;
    if (c->received == 0) refused++; else resets++;
    close(c->fd);
}

static void send_some(struct conn *c) {
    while (c->sent < c->allowed) {
        uint32_t at = (uint32_t) ((c->start + c->sent) % PERIOD);
        uint64_t len = c->allowed - c->sent;
        if (len > READ_SIZE) len = READ_SIZE;
        ssize_t n = write(c->fd, pattern + at, len);
        if (n < 0) {
            if (errno == EAGAIN) break;
            lose(c);
            return;
        }
        c->sent += (uint64_t) n;
        total_sent += (uint64_t) n;
        if (phase == MEASURED) measured_sent += (uint64_t) n;
    }
    watch(c, c->sent < c->allowed);
}

static void issue(struct conn *c, uint64_t t) {
    uint64_t msg = c->allowed / (uint64_t) size;
    c->issued_ns[msg % (uint64_t) pipeline] = t;
    c->allowed += (uint64_t) size;
}

static void receive(struct conn *c, uint8_t *buf) {
    ssize_t n = read(c->fd, buf, READ_SIZE);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        lose(c);
        return;
    }
    if ((uint64_t) n > c->sent - c->received
            || memcmp(buf, pattern + (c->start + c->received) % PERIOD, (size_t) n) != 0) {
        mismatches++; /* wrong bytes, or bytes never sent */
        c->open = 0;
        close(c->fd);
        return;
    }
    uint64_t before = c->received / (uint64_t) size;
    c->received += (uint64_t) n;
    total_received += (uint64_t) n;
    if (phase == MEASURED) measured_received += (uint64_t) n;
    uint64_t done = c->received / (uint64_t) size, t = 0;
    for (uint64_t m = before; m < done; m++) { /* each message that came back whole */
        if (t == 0) t = now_ns();
        if (phase == MEASURED) {
            measured_rt++;
            hist[bucket((t - c->issued_ns[m % (uint64_t) pipeline]) / 1000)]++;
        }
        if (phase != STOPPED) issue(c, t);
    }
    if (done > before) send_some(c);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 0, conns = 1;
    long warmup_ms = 500, duration_ms = 1500, server_pid = 0;
    int opt;
    while ((opt = getopt(argc, argv, "H:p:c:s:q:w:d:S:")) != -1) {
        switch (opt) {
            case 'H': host = optarg; break;
            case 'p': port = atoi(optarg); break;
            case 'c': conns = atoi(optarg); break;
            case 's': size = atoi(optarg); break;
            case 'q': pipeline = atoi(optarg); break;
            case 'w': warmup_ms = atol(optarg); break;
            case 'd': duration_ms = atol(optarg); break;
            case 'S': server_pid = atol(optarg); break;
            default: port = 0; optind = argc; break;
        }
    }
    if (port <= 0 || conns < 1 || size < 1 || pipeline < 1 || duration_ms < 1 || warmup_ms < 0
            || (uint64_t) size * (uint64_t) pipeline > 64u << 20) {
        fprintf(stderr, "usage: echo_client -p PORT [-H host] [-c conns] [-s size] [-q pipeline] [-w warmup_ms]"
                " [-d duration_ms] [-S server_pid]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    pattern = malloc(PERIOD + READ_SIZE);
    uint8_t *buf = malloc(READ_SIZE);
    struct conn *cs = calloc((size_t) conns, sizeof *cs);
    if (pattern == NULL || buf == NULL || cs == NULL) return 2;
    uint64_t x = 0x5eedec40u;
    for (uint32_t i = 0; i < PERIOD + READ_SIZE; i++) {
        if (i < PERIOD) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            pattern[i] = (uint8_t) (x >> 24);
        } else {
            pattern[i] = pattern[i - PERIOD];
        }
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "echo_client: -H %s: not an IPv4 address\n", host);
        return 2;
    }
    epfd = epoll_create1(0);
    int opened = 0;
    for (int i = 0; i < conns; i++) {
        struct conn *c = &cs[i];
        c->issued_ns = calloc((size_t) pipeline, sizeof(uint64_t));
        c->start = (uint32_t) ((uint64_t) i * 7919u % PERIOD);
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
            refused++;
            if (c->fd >= 0) close(c->fd);
            continue;
        }
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        c->open = 1;
        opened++;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
    }
    uint64_t t0 = now_ns();
    for (int i = 0; i < conns; i++) {
        if (!cs[i].open) continue;
        for (int k = 0; k < pipeline; k++) issue(&cs[i], t0);
        send_some(&cs[i]);
    }
    uint64_t measure_at = t0 + (uint64_t) warmup_ms * 1000000u, stop_at = measure_at + (uint64_t) duration_ms * 1000000u;
    uint64_t drain_by = 0, measure_start = 0, measure_end = 0;
    double server_cpu0 = 0, server_cpu = -1, own0 = 0, busy = 0;
    struct epoll_event events[256];
    if (warmup_ms == 0) {
        phase = MEASURED;
        measure_start = t0;
        own0 = own_cpu();
        if (server_pid > 0) server_cpu0 = cpu_of(server_pid);
    }
    int drained = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (phase == WARMUP && t >= measure_at) {
            phase = MEASURED;
            measure_start = t;
            own0 = own_cpu();
            if (server_pid > 0) server_cpu0 = cpu_of(server_pid);
        }
        if (phase == MEASURED && t >= stop_at) {
            phase = STOPPED;
            measure_end = t;
            busy = (own_cpu() - own0) / ((double) (t - measure_start) / 1e9);
            if (server_pid > 0) server_cpu = cpu_of(server_pid) - server_cpu0;
            drain_by = t + 10000000000ull;
        }
        if (phase == STOPPED) {
            int waiting = 0;
            for (int i = 0; i < conns; i++) {
                if (cs[i].open && cs[i].received < cs[i].sent) waiting = 1;
                if (cs[i].open && cs[i].sent < cs[i].allowed) waiting = 1;
            }
            if (!waiting) { drained = 1; break; }
            if (t >= drain_by) break;
        }
        uint64_t next = phase == WARMUP ? measure_at : phase == MEASURED ? stop_at : drain_by;
        int timeout = (int) ((next - t) / 1000000u) + 1;
        int n = epoll_wait(epfd, events, 256, timeout);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->open && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) receive(c, buf);
            if (c->open && (events[i].events & EPOLLOUT)) send_some(c);
        }
    }
    double secs = measure_end > measure_start ? (double) (measure_end - measure_start) / 1e9 : 1e-9;
    uint64_t count = 0, max = 0;
    for (int i = 0; i < BUCKETS; i++) {
        count += hist[i];
        if (hist[i]) max = bucket_value(i);
    }
    printf("{\"connectionsOpened\":%d,\"connectFailures\":%llu,\"resets\":%llu,\"mismatches\":%llu,"
           "\"roundTrips\":%llu,\"totalBytesSent\":%llu,\"totalBytesReceived\":%llu,\"measuredSeconds\":%.6f,"
           "\"roundTripsPerSecond\":%.3f,\"mbSentPerSecond\":%.3f,\"mbReceivedPerSecond\":%.3f,"
           "\"p50Micros\":%llu,\"p90Micros\":%llu,\"p99Micros\":%llu,\"p999Micros\":%llu,\"maxMicros\":%llu,"
           "\"count\":%llu,\"clientBusy\":%.4f,\"drained\":%s,\"serverCpuSeconds\":%.4f}\n",
           opened, (unsigned long long) refused, (unsigned long long) resets, (unsigned long long) mismatches,
           (unsigned long long) measured_rt, (unsigned long long) total_sent, (unsigned long long) total_received,
           secs, (double) measured_rt / secs, (double) measured_sent / 1e6 / secs,
           (double) measured_received / 1e6 / secs,
           (unsigned long long) percentile(50, count), (unsigned long long) percentile(90, count),
           (unsigned long long) percentile(99, count), (unsigned long long) percentile(99.9, count),
           (unsigned long long) max, (unsigned long long) count, busy, drained ? "true" : "false", server_cpu);
    if (mismatches > 0) return 1;
    return refused > 0 || resets > 0 || !drained || opened == 0 ? 3 : 0;
}
