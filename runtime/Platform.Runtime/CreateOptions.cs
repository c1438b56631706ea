using Microsoft.Win32.SafeHandles;

namespace Platform.Runtime;

/// <summary>How a container is created, beyond its bundle.</summary>
public sealed record CreateOptions
{
    /// <summary>The container process's stdin, stdout and stderr; null means /dev/null. The CLI passes its own.</summary>
    public SafeFileHandle? Stdin { get; init; }
    public SafeFileHandle? Stdout { get; init; }
    public SafeFileHandle? Stderr { get; init; }

    /// <summary>Where to write the container's host PID (runc's --pid-file).</summary>
    public string? PidFile { get; init; }

    /// <summary>Unix socket that receives the pty master for a terminal container (runc's --console-socket).</summary>
    public string? ConsoleSocket { get; init; }

    /// <summary>Changes applied to config.json before it is used (the node agent adds env, limits and namespaces without rewriting the cached bundle).</summary>
    public Action<Spec.RuntimeSpec>? Customize { get; init; }
}
