/*
 * echoport bench: the C epoll echo server, the limit the Java servers are measured against.
 *
 * One thread per core (default), each with its own epoll instance and its own listening socket on the same port
 * (SO_REUSEPORT: the kernel spreads connections over the threads, no accept lock). Level-triggered: a readable
 * socket is read once into the thread's 64 KiB buffer and written straight back; only what the socket would not take
 * is copied aside (malloc'd per connection), and the connection then waits for EPOLLOUT instead of reading, so a
 * peer that does not read holds at most one read (64 KiB) here. TCP_NODELAY on every connection, as the Java
 * servers. No metrics, no limits: the cost of echoing and nothing else.
 *
 *   echo_server [-H host] [-p port] [-t threads]      prints "listening on PORT threads N" once ready
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_SIZE (64 * 1024)
#define MAX_EVENTS 256

struct conn {
    int fd;
    char *pending;      /* bytes read but not yet taken by the socket, or NULL */
    size_t pending_off;
    size_t pending_len;
};

struct worker {
    int listen_fd;
    int epoll_fd;
    pthread_t thread;
};

static struct sockaddr_in bind_addr;

static void die(const char *what) {
    fprintf(stderr, "echo_server: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int listener(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) die("socket");
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("SO_REUSEADDR");
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) die("SO_REUSEPORT");
    if (bind(fd, (struct sockaddr *) &bind_addr, sizeof bind_addr) < 0) die("bind");
    if (listen(fd, 1024) < 0) die("listen");
    if (bind_addr.sin_port == 0) { /* the first listener picks the port, the others share it */
        socklen_t len = sizeof bind_addr;
        if (getsockname(fd, (struct sockaddr *) &bind_addr, &len) < 0) die("getsockname");
    }
    return fd;
}

static void close_conn(struct conn *c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c->pending);
    free(c);
}

static void watch(int epoll_fd, struct conn *c, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl MOD");
}

/* Writes what is pending; returns -1 if the connection failed, else 1 when all of it went out. */
static int flush_pending(struct worker *w, struct conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = write(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off);
        if (n < 0) {
            return errno == EAGAIN ? 0 : -1;
        }
        c->pending_off += (size_t) n;
    }
    free(c->pending);
    c->pending = NULL;
    watch(w->epoll_fd, c, EPOLLIN);
    return 1;
}

/* One read, echoed at once; what the socket does not take waits for EPOLLOUT. Returns -1 to close. */
static int echo(struct worker *w, struct conn *c, char *buf) {
    ssize_t n = read(c->fd, buf, READ_SIZE);
    if (n == 0) return -1;
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    ssize_t sent = write(c->fd, buf, (size_t) n);
    if (sent < 0) {
        if (errno != EAGAIN) return -1;
        sent = 0;
    }
    if (sent < n) {
        c->pending_len = (size_t) (n - sent);
        c->pending_off = 0;
        c->pending = malloc(c->pending_len);
        if (c->pending == NULL) return -1;
        memcpy(c->pending, buf + sent, c->pending_len);
        watch(w->epoll_fd, c, EPOLLOUT);
    }
    return 0;
}

static void accept_all(struct worker *w) {
    for (;;) {
        int fd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR) {
                fprintf(stderr, "echo_server: accept: %s\n", strerror(errno));
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close_conn(c);
        }
    }
}

static void *run(void *arg) {
    struct worker *w = arg;
    struct epoll_event events[MAX_EVENTS];
    char *buf = malloc(READ_SIZE);
    if (buf == NULL) die("malloc");
    for (;;) {
        int n = epoll_wait(w->epoll_fd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL) {
                accept_all(w);
                continue;
            }
            struct conn *c = events[i].data.ptr;
            int r = c->pending != NULL ? flush_pending(w, c) : echo(w, c, buf);
            if (r < 0) { /* EOF, reset or error: a hang-up shows as one of these on the next read or write */
                close_conn(c);
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 0;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    int opt;
    while ((opt = getopt(argc, argv, "H:p:t:")) != -1) {
        switch (opt) {
            case 'H': host = optarg; break;
            case 'p': port = atoi(optarg); break;
            case 't': threads = atol(optarg); break;
            default:
                fprintf(stderr, "usage: echo_server [-H host] [-p port] [-t threads]\n");
                return 2;
        }
    }
    if (threads < 1) threads = 1;
    signal(SIGPIPE, SIG_IGN);
    bind_addr.sin_family = AF_INET;
    bind_addr.sin_port = htons((uint16_t) port);
    if (inet_pton(AF_INET, host, &bind_addr.sin_addr) != 1) {
        fprintf(stderr, "echo_server: -H %s: not an IPv4 address\n", host);
        return 2;
    }
    struct worker *workers = calloc((size_t) threads, sizeof *workers);
    for (long i = 0; i < threads; i++) {
        workers[i].listen_fd = listener();
        workers[i].epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (workers[i].epoll_fd < 0) die("epoll_create1");
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
        if (epoll_ctl(workers[i].epoll_fd, EPOLL_CTL_ADD, workers[i].listen_fd, &ev) < 0) die("epoll_ctl ADD");
    }
    for (long i = 0; i < threads; i++) {
        if (pthread_create(&workers[i].thread, NULL, run, &workers[i]) != 0) die("pthread_create");
    }
    printf("listening on %d threads %ld\n", ntohs(bind_addr.sin_port), threads);
    fflush(stdout);
    pthread_join(workers[0].thread, NULL);
    return 0;
}
