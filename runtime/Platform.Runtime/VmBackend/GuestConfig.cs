using System.Text.Json;
using Platform.Runtime.Spec;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// The config.json the guest agent runs with its own Linux container runtime inside the VM (defence in depth:
/// namespaces, limits and seccomp there too). It is the bundle's config less what belongs to the host: the
/// `vm` section, the hooks the host lifecycle runs (prestart, createRuntime, poststart, poststop), the network
/// namespace (the VM has no network device; its loopback is the function's) and the cgroup path.
/// </summary>
internal static class GuestConfig
{
    /// <summary>Where the agent mounts the root disk, relative to its bundle folder.</summary>
    public const string RootfsPath = "rootfs";

    public static byte[] Build(RuntimeSpec spec)
    {
        var guest = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec), SpecJsonContext.Default.RuntimeSpec)!;
        guest.Vm = null;
        guest.Root = new Root { Path = RootfsPath, Readonly = spec.Root?.Readonly == true };
        if (guest.Hooks is { } hooks)
        {
            guest.Hooks = hooks.CreateContainer is null && hooks.StartContainer is null
                ? null
                : new Spec.Hooks { CreateContainer = hooks.CreateContainer, StartContainer = hooks.StartContainer };
        }
        if (guest.Linux is { } linux)
        {
            linux.Namespaces?.RemoveAll(n => n.Type == "network");
            linux.CgroupsPath = null;
        }
        return JsonSerializer.SerializeToUtf8Bytes(guest, SpecJsonContext.Default.RuntimeSpec);
    }

    /// <summary>The port the function serves: PORT from its environment, else <see cref="GuestPorts.DefaultHttpPort"/>.</summary>
    public static uint HttpPort(RuntimeSpec spec)
    {
        foreach (var variable in spec.Process?.Env ?? [])
        {
            if (variable.StartsWith("PORT=", StringComparison.Ordinal) && uint.TryParse(variable.AsSpan(5), out var port) && port is > 0 and < 65536)
            {
                return port;
            }
        }
        return GuestPorts.DefaultHttpPort;
    }
}
