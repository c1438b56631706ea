/*
 * The container init's C stage. It runs as a constructor, before the .NET runtime starts, because the
 * runtime is multi-threaded before Main and a multi-threaded process can neither unshare nor join a user
 * namespace, nor unshare its mount namespace for every thread (see shared/DESIGN.md section 4).
 *
 * Outside an init it does nothing. When _PLATFORM_INIT names the sync socket,
 * talking to the host (LinuxLauncher) over that socket with the messages of SyncMessageType.cs:
 *   1. read BOOTSTRAP: namespaces to unshare (clone flags) and namespaces to join (type + path);
 *   2. join the namespaces by path, the user namespace first;
 *   3. unshare the user namespace, send USERNS, wait for MAPS_DONE while the host writes uid_map/gid_map,
 *      then become root in it;
 *   4. unshare the other namespaces, fork (the child is PID 1 of a new PID namespace), the intermediate
 *      reports the child's PID and exits;
 *   5. the child starts a session and returns at once, so that .NET starts while the host attaches the
 *      cgroup and runs the createRuntime hooks; the C# init (ContainerInit) waits for the plan, which the
 *      host sends only after both, and then unshares the cgroup namespace (so its root is the container's
 *      cgroup) before anything else.
 * Any failure is sent to the host as an ERROR message and the process exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>


#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Must match SyncMessageType.cs. */
enum {
	MSG_BOOTSTRAP = 1,
	MSG_USERNS = 2,
	MSG_MAPS_DONE = 3,
	MSG_PID = 4,
	MSG_ERROR = 8,
};

/* Must match RuntimeErrorKind.cs: an ERROR's text is "kind:message" (ErrorReport.cs). */
enum {
	KIND_PERMISSION = 8,
	KIND_HOST_FAILURE = 9,
};

/* Large enough for a join path per namespace type; anything bigger is not a bootstrap we sent. */
#define MAX_BOOTSTRAP 65536
#define MAX_JOINS 16

struct header {
	uint32_t type;
	uint32_t length;
};

struct join {
	uint32_t type;
	char *path;
};

static int sync_fd = -1;

static int write_all(const void *data, size_t length)
{
	const char *p = data;
	while (length > 0) {
		ssize_t n = write(sync_fd, p, length);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		length -= (size_t)n;
	}
	return 0;
}

static int read_all(void *data, size_t length)
{
	char *p = data;
	while (length > 0) {
		ssize_t n = read(sync_fd, p, length);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		length -= (size_t)n;
	}
	return 0;
}

static int send_message(uint32_t type, const void *payload, uint32_t length)
{
	struct header h = { type, length };
	if (write_all(&h, sizeof(h)) < 0)
		return -1;
	return length ? write_all(payload, length) : 0;
}

/* Reports "what: strerror" to the host and exits; the host turns it into a RuntimeException of that kind. */
static void __attribute__((noreturn, format(printf, 1, 2))) bail(const char *format, ...)
{
	int saved = errno;
	char text[1024];
	int n = snprintf(text, sizeof(text), "%d:", saved == EPERM || saved == EACCES ? KIND_PERMISSION : KIND_HOST_FAILURE);
	va_list args;
	va_start(args, format);
	int written = vsnprintf(text + n, sizeof(text) - (size_t)n, format, args);
	va_end(args);
	if (written > 0)
		n += written;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	if (saved != 0)
		n += snprintf(text + n, sizeof(text) - (size_t)n, ": %s", strerror(saved));
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	send_message(MSG_ERROR, text, (uint32_t)n);
	_exit(1);
}

static void expect(uint32_t type)
{
	struct header h;
	errno = 0;
	if (read_all(&h, sizeof(h)) < 0)
		bail("init: the host closed the sync socket");
	if (h.type != type || h.length != 0) {
		errno = 0;
		bail("init: expected sync message %u, got %u", type, h.type);
	}
}

static const char *namespace_name(uint32_t type)
{
	switch (type) {
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWNS: return "mount";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWNET: return "network";
	case CLONE_NEWUTS: return "uts";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWTIME: return "time";
	default: return "unknown";
	}
}

static void join_namespace(const struct join *j)
{
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bail("join %s namespace: open %s", namespace_name(j->type), j->path);
	if (setns(fd, (int)j->type) < 0)
		bail("join %s namespace %s", namespace_name(j->type), j->path);
	close(fd);
}

/* Layout (little-endian): u32 clone flags, u32 join count, then per join: u32 type, u32 path length, path. */
static uint32_t read_bootstrap(struct join *joins, uint32_t *join_count)
{
	struct header h;
	errno = 0;
	if (read_all(&h, sizeof(h)) < 0)
		bail("init: the host closed the sync socket");
	if (h.type != MSG_BOOTSTRAP || h.length < 8 || h.length > MAX_BOOTSTRAP)
		bail("init: bad bootstrap message (type %u, %u bytes)", h.type, h.length);
	char *data = malloc(h.length + 1);
	if (data == NULL)
		bail("init: bootstrap");
	if (read_all(data, h.length) < 0)
		bail("init: the host closed the sync socket");

	uint32_t flags, count, offset = 8;
	memcpy(&flags, data, 4);
	memcpy(&count, data + 4, 4);
	if (count > MAX_JOINS)
		bail("init: %u namespaces to join", count);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t length;
		if (offset + 8 > h.length)
			bail("init: truncated bootstrap");
		memcpy(&joins[i].type, data + offset, 4);
		memcpy(&length, data + offset + 4, 4);
		offset += 8;
		if (length > h.length - offset)
			bail("init: truncated bootstrap");
		joins[i].path = strndup(data + offset, length);
		if (joins[i].path == NULL)
			bail("init: bootstrap");
		offset += length;
	}
	free(data);
	*join_count = count;
	return flags;
}

static void become_root(void)
{
	if (setresgid(0, 0, 0) < 0)
		bail("become root in the user namespace: setresgid (is gid 0 mapped?)");
	if (setresuid(0, 0, 0) < 0)
		bail("become root in the user namespace: setresuid (is uid 0 mapped?)");
}

__attribute__((constructor)) static void platform_nsexec(void)
{
	const char *marker = getenv("_PLATFORM_INIT");
	if (marker == NULL)
		return;
	sync_fd = atoi(marker);
	if (sync_fd < 3)
		_exit(1);

	struct join joins[MAX_JOINS];
	uint32_t join_count = 0;
	uint32_t flags = read_bootstrap(joins, &join_count);

	/* Joining a user namespace grants the capabilities needed to join the others it owns. */
	int joined_user = 0;
	for (uint32_t i = 0; i < join_count; i++) {
		if (joins[i].type == CLONE_NEWUSER) {
			join_namespace(&joins[i]);
			joined_user = 1;
		}
	}
	for (uint32_t i = 0; i < join_count; i++) {
		if (joins[i].type != CLONE_NEWUSER)
			join_namespace(&joins[i]);
	}

	if (flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			bail("unshare user namespace");
		if (send_message(MSG_USERNS, NULL, 0) < 0)
			_exit(1);
		expect(MSG_MAPS_DONE);
	}
	if (joined_user || (flags & CLONE_NEWUSER))
		become_root();

	uint32_t now = flags & ~(uint32_t)(CLONE_NEWUSER | CLONE_NEWCGROUP);
	if (now != 0 && unshare((int)now) < 0)
		bail("unshare namespaces (flags %#x)", now);

	pid_t child = fork();
	if (child < 0)
		bail("fork the container process");
	if (child > 0) {
		int32_t pid = child;
		_exit(send_message(MSG_PID, &pid, sizeof(pid)) < 0 ? 1 : 0);
	}

	/*
	 * Not dumpable from its first instruction (as runc): nothing in a joined PID namespace may ptrace it or
	 * open its /proc files while .NET starts and the init sets up.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("prctl(PR_SET_DUMPABLE)");
	/*
	 * The container's process. From here on the .NET start overlaps the host's cgroup attach; the cgroup
	 * namespace is unshared by the C# init once the plan says the attach is done (unshare of a cgroup
	 * namespace, unlike a user or mount one, works in a multi-threaded process).
	 */
	/* A new session, so a terminal can become the controlling tty of the container process. */
	if (setsid() < 0)
		bail("setsid");
	for (uint32_t i = 0; i < join_count; i++)
		free(joins[i].path);
}
