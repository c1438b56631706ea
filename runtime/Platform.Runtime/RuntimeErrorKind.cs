namespace Platform.Runtime;

/// <summary>
/// Why a runtime operation failed, for callers to branch on (the CLI's exit status and log, the node agent's
/// teardown, tests); the message is for people and keeps runc's wording.
/// </summary>
public enum RuntimeErrorKind
{
    /// <summary>No container has that ID (runc: "does not exist").</summary>
    ContainerNotFound,
    /// <summary>create with an ID that is already in use.</summary>
    ContainerExists,
    /// <summary>
    /// The container's status does not allow the operation: start of a running or stopped container, delete of a
    /// running one without force, anything but a forced delete while it is being created.
    /// </summary>
    InvalidState,
    /// <summary>A signal for a container whose process has already exited (runc: "it is not running").</summary>
    AlreadyStopped,
    /// <summary>An input other than config.json is invalid: the container ID, a signal, the bundle path or archive, a runtime option.</summary>
    InvalidArgument,
    /// <summary>config.json is missing, malformed or invalid (the message names the JSON path), or names what is not in the bundle.</summary>
    InvalidConfig,
    /// <summary>A valid field this runtime or this host cannot honour (a cgroup controller, an LSM, a spec feature).</summary>
    Unsupported,
    /// <summary>A hook failed, timed out or could not be run.</summary>
    HookFailed,
    /// <summary>The host refused an operation for lack of privilege (EPERM, EACCES).</summary>
    Permission,
    /// <summary>A system call or I/O of the host failed, or a process (the init, the VMM, the guest) ended or did not answer in time.</summary>
    HostFailure,
    /// <summary>The runtime's own state or protocol is inconsistent: a corrupt state.json, an init binary from another build.</summary>
    Internal,
}
