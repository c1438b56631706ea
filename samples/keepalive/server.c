// A keep-alive HTTP/1.1 server for benchmarks: one epoll thread, every request answered "ok\n" at once.
// busybox httpd forks per connection and closes it after each answer, which hides what the gateway costs;
// this one keeps connections open (and answers pipelined requests in order) like a real function server.
// Listens on 0.0.0.0:$PORT (8080 without it); in a sandbox that is the instance's own loopback.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 16384

struct conn { int fd; size_t len; size_t skip; char buf[BUF]; };

static const char OK[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
static const char OK_CLOSE[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
static const char BAD[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

// The value of a header in [head, end), or NULL; names compare case-insensitively (RFC 9110).
static const char *header(const char *head, const char *end, const char *name) {
    size_t n = strlen(name);
    for (const char *line = memchr(head, '\n', end - head); line && line + 1 < end; line = memchr(line + 1, '\n', end - line - 1)) {
        const char *p = line + 1;
        if ((size_t)(end - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (p < end && (*p == ' ' || *p == '\t')) p++;
            return p;
        }
    }
    return NULL;
}

// Answers every complete request in the buffer; returns 0 to keep the connection, -1 to close it.
static int serve(struct conn *c) {
    for (;;) {
        if (c->skip) {  // the rest of a body we do not read
            size_t take = c->skip < c->len ? c->skip : c->len;
            memmove(c->buf, c->buf + take, c->len - take);
            c->len -= take;
            c->skip -= take;
            if (c->skip) return 0;
        }
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end) return c->len == BUF ? (void)!write(c->fd, BAD, sizeof BAD - 1), -1 : 0;
        end += 4;
        const char *cl = header(c->buf, end, "Content-Length");
        const char *te = header(c->buf, end, "Transfer-Encoding");
        const char *conn = header(c->buf, end, "Connection");
        if (te) { (void)!write(c->fd, BAD, sizeof BAD - 1); return -1; }  // chunked bodies: not needed here
        int close_after = conn && strncasecmp(conn, "close", 5) == 0;
        const char *reply = close_after ? OK_CLOSE : OK;
        size_t reply_len = close_after ? sizeof OK_CLOSE - 1 : sizeof OK - 1;
        if (write(c->fd, reply, reply_len) != (ssize_t)reply_len || close_after) return -1;
        size_t used = end - c->buf;
        memmove(c->buf, end, c->len - used);
        c->len -= used;
        c->skip = cl ? strtoul(cl, NULL, 10) : 0;
        if (!c->len && !c->skip) return 0;
    }
}

// As PID 1 of its container the kernel delivers it no signal it does not handle: without this, every stop
// waited out the node's grace period before the KILL.
static void on_term(int sig) { (void)sig; _exit(0); }

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_term);
    const char *env = getenv("PORT");
    int port = env ? atoi(env) : 8080;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1024) < 0) { perror("keepalive: listen"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    fprintf(stderr, "keepalive: listening on port %d\n", port);
    struct epoll_event events[64];
    for (;;) {
        int n = epoll_wait(ep, events, 64, -1);
        if (n < 0 && errno != EINTR) { perror("keepalive: epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {  // the listener: take every pending connection
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    if (!nc) { close(fd); continue; }
                    nc->fd = fd;
                    struct epoll_event cev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);
            if (r > 0) c->len += r;
            if ((r == 0 || (r < 0 && errno != EAGAIN)) || (r > 0 && serve(c) < 0)) {
                close(c->fd);  // also leaves the epoll set
                free(c);
            }
        }
    }
}
