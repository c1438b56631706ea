namespace Platform.Runtime;

/// <summary>
/// Why a runtime operation failed, for callers to branch on (the CLI's exit status and log, the node agent's
/// teardown, tests); the message is for people and keeps runc's wording. The numbers travel between the
/// runtime's processes (<see cref="ErrorReport"/>, and runtime/native/nsexec.c names two): add, never renumber.
/// </summary>
public enum RuntimeErrorKind
{
    /// <summary>No container has that ID (runc: "does not exist").</summary>
    ContainerNotFound = 0,
    /// <summary>create with an ID that is already in use.</summary>
    ContainerExists = 1,
    /// <summary>
    /// The container's status does not allow the operation: start of a running or stopped container, delete of a
    /// running one without force, anything but a forced delete while it is being created.
    /// </summary>
    InvalidState = 2,
    /// <summary>A signal for a container whose process has already exited (runc: "it is not running").</summary>
    AlreadyStopped = 3,
    /// <summary>An input other than config.json is invalid: the container ID, a signal, the bundle path or archive, a runtime option.</summary>
    InvalidArgument = 4,
    /// <summary>config.json is missing, malformed or invalid (the message names the JSON path), or names what is not in the bundle.</summary>
    InvalidConfig = 5,
    /// <summary>A valid field this runtime or this host cannot honour (a cgroup controller, an LSM, a spec feature).</summary>
    Unsupported = 6,
    /// <summary>A hook failed, timed out or could not be run.</summary>
    HookFailed = 7,
    /// <summary>The host refused an operation for lack of privilege (EPERM, EACCES).</summary>
    Permission = 8,
    /// <summary>A system call or I/O of the host failed, or a process (the init, the VMM, the guest) ended or did not answer in time.</summary>
    HostFailure = 9,
    /// <summary>The runtime's own state or protocol is inconsistent: a corrupt state.json, an init binary from another build.</summary>
    Internal = 10,
}
