// sandbox-probe: what a function's sandbox lets it do, tried with the system calls themselves (a shell's tools
// would hide the errno or not exist in a minimal rootfs). One line per probe: "name=allowed" or
// "name=denied: ENAME (message)". Built statically by samples/echo/build.
//   sandbox-probe all [PORT]   every probe; PORT: a TCP port on the host's 127.0.0.1 that must stay unreachable
//   sandbox-probe memhog       touches memory 1 MiB at a time until the kernel stops it
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void report(const char *name, int rc)
{
    if (rc >= 0)
        printf("%s=allowed\n", name);
    else
        printf("%s=denied: %s (%s)\n", name, strerrorname_np(errno), strerror(errno));
}

// Opens, or fails to open, a new file under dir: a read-only root answers EROFS.
static int try_create(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/.sandbox-probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(path);
    return 0;
}

static int try_write(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    int rc = write(fd, text, strlen(text)) < 0 ? -1 : 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

// Writes back what the file holds: a probe that gets through changes nothing, even on a host.
static int try_rewrite(const char *path)
{
    char text[256] = { 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    return try_write(path, text);
}

static int try_ptrace(void)
{
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    if (child < 0)
        return -1;
    long rc = ptrace(PTRACE_ATTACH, child, 0, 0);
    int saved = errno;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = saved;
    return rc < 0 ? -1 : 0;
}

static int try_connect_host(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

// connect ADDRESS PORT: whether the function reaches ADDRESS:PORT (within 3 s), and if so the first line an HTTP
// server there answers. First the function's own IPv4 addresses: an instance with egress has one on eth0.
static int probe_connect(const char *address, int port)
{
    struct ifaddrs *interfaces;
    if (getifaddrs(&interfaces) == 0) {
        for (struct ifaddrs *i = interfaces; i; i = i->ifa_next) {
            char text[INET_ADDRSTRLEN];
            if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET
                && inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, text, sizeof text))
                printf("address=%s %s\n", i->ifa_name, text);
        }
        freeifaddrs(interfaces);
    }

    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
        printf("connect=bad address\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&addr, sizeof addr);
    if (rc < 0 && errno == EINPROGRESS) {
        struct pollfd wait = { .fd = fd, .events = POLLOUT };
        int error = 0;
        socklen_t length = sizeof error;
        if (poll(&wait, 1, 3000) == 0)
            error = ETIMEDOUT;
        else
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        errno = error;
        rc = error ? -1 : 0;
    }
    report("connect", rc);
    if (rc == 0) {
        const char request[] = "GET / HTTP/1.0\r\n\r\n";
        char reply[256] = { 0 };
        struct pollfd wait = { .fd = fd, .events = POLLIN };
        if (write(fd, request, sizeof request - 1) == (ssize_t)(sizeof request - 1) && poll(&wait, 1, 3000) == 1
            && read(fd, reply, sizeof reply - 1) > 0)
            printf("reply=%s\n", strtok(reply, "\r\n"));
    }
    if (fd >= 0)
        close(fd);
    return 0;
}

// A fork bomb held on a leash: fork sleeping children until the kernel refuses, then end them all. The pids
// limit must stop it long before the host's own limits.
static void fork_until_refused(void)
{
    enum { Max = 100000 };
    static pid_t children[Max];
    int count = 0;
    int error = 0;
    while (count < Max) {
        pid_t pid = fork();
        if (pid == 0) {
            pause();
            _exit(0);
        }
        if (pid < 0) {
            error = errno;
            break;
        }
        children[count++] = pid;
    }
    for (int i = 0; i < count; i++)
        kill(children[i], SIGKILL);
    for (int i = 0; i < count; i++)
        waitpid(children[i], NULL, 0);
    if (error)
        printf("forks=%d stopped: %s\n", count, strerrorname_np(error));
    else
        printf("forks=%d never stopped\n", count);
}

static int memhog(void)
{
    size_t total = 0;
    for (;;) {
        char *chunk = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED) {
            printf("memhog: mmap refused after %zu MiB: %s\n", total >> 20, strerrorname_np(errno));
            return 1;
        }
        memset(chunk, 0xa5, 1 << 20);
        total += 1 << 20;
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "memhog") == 0)
        return memhog();
    if (argc == 4 && strcmp(argv[1], "connect") == 0)
        return probe_connect(argv[2], atoi(argv[3]));
    if (argc < 2 || strcmp(argv[1], "all") != 0) {
        fprintf(stderr, "usage: sandbox-probe all [PORT] | memhog | connect ADDRESS PORT\n");
        return 2;
    }

    report("unshare", unshare(CLONE_NEWUSER | CLONE_NEWNET));
    report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
    int ns = open("/proc/self/ns/net", O_RDONLY);
    report("setns", ns < 0 ? -1 : setns(ns, CLONE_NEWNET));
    report("ptrace", try_ptrace());
    report("module", (int)syscall(SYS_finit_module, -1, "", 0) < 0 && errno == EBADF ? 0 : -1);
    report("raw-socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    report("packet-socket", socket(AF_PACKET, SOCK_RAW, 0));
    report("keyring", (int)syscall(SYS_add_key, "user", "sandbox-probe", "x", 1, -2 /* KEY_SPEC_PROCESS_KEYRING */));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    report("settime", clock_settime(CLOCK_REALTIME, &now));
    union bpf_attr attr = { 0 };
    report("bpf", (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
    struct perf_event_attr perf = { .type = PERF_TYPE_SOFTWARE, .size = sizeof perf, .config = PERF_COUNT_SW_CPU_CLOCK };
    report("perf", (int)syscall(SYS_perf_event_open, &perf, 0, -1, -1, 0));
    char name[256] = { 0 };
    gethostname(name, sizeof name - 1);
    report("sethostname", sethostname(name, strlen(name)));
    report("write-root", try_create(""));
    report("write-etc", try_create("/etc"));
    report("write-usr", try_create("/usr"));
    report("write-var", try_create("/var"));
    report("write-proc-sys", try_rewrite("/proc/sys/kernel/hostname"));
    report("write-sys", try_create("/sys/kernel"));
    report("write-tmp", try_create("/tmp"));
    if (argc >= 3)
        report("host-loopback", try_connect_host(atoi(argv[2])));
    fork_until_refused();
    return 0;
}
