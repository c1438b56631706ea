using System.Text.RegularExpressions;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Validation;

/// <summary>
/// Checks a config.json before anything is created, naming the JSON path of every invalid field
/// (youki keeps its validator apart from execution the same way). Returns the resolved root filesystem.
/// </summary>
internal static partial class SpecValidator
{
    [GeneratedRegex(@"^1\.[0-3]\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SupportedVersion();

    public static string Validate(RuntimeSpec spec, string bundle) => Validate(spec, bundle, HostSupport.Probe());

    public static string Validate(RuntimeSpec spec, string bundle, HostSupport host)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(spec.OciVersion))
        {
            errors.Add("ociVersion", "required");
        }
        else if (!SupportedVersion().IsMatch(spec.OciVersion))
        {
            errors.Add("ociVersion", $"unsupported version \"{spec.OciVersion}\" (supported: 1.0.x to 1.3.x)");
        }

        var rootfs = ValidateRoot(spec.Root, bundle, errors);
        ValidateMounts(spec.Mounts, errors);
        ValidateProcess(spec.Process, errors);
        ValidateHooks(spec.Hooks, errors);
        if (spec.Annotations is { } annotations && annotations.Keys.Any(string.IsNullOrEmpty))
        {
            errors.Add("annotations", "keys must not be empty");
        }

        ValidateLinux(spec, errors);
        host.Check(spec, errors);
        errors.ThrowIfAny();
        return rootfs!;
    }

    private static string? ValidateRoot(Root? root, string bundle, ValidationErrors errors)
    {
        if (root is null)
        {
            errors.Add("root", "required");
            return null;
        }
        if (string.IsNullOrEmpty(root.Path))
        {
            errors.Add("root.path", "required");
            return null;
        }
        // .NET refuses a path with a NUL with an ArgumentException (found by fuzzing: it escaped as an unexpected
        // error); no file name can hold one, so it is a config error like any other.
        if (root.Path.Contains('\0'))
        {
            errors.Add("root.path", "must not contain a NUL character");
            return null;
        }
        var full = Path.GetFullPath(Path.Combine(bundle, root.Path));
        if (!Path.IsPathRooted(root.Path))
        {
            // A relative root names something inside the bundle, also after following symlinks.
            if (HasDotDot(root.Path) && !IsInside(full, bundle))
            {
                errors.Add("root.path", $"\"{root.Path}\" escapes the bundle");
                return null;
            }
            if (Directory.Exists(full) && RealPath(full) is { } real && RealPath(bundle) is { } realBundle && !IsInside(real, realBundle))
            {
                errors.Add("root.path", $"\"{root.Path}\" escapes the bundle through a symlink (resolves to {real})");
                return null;
            }
        }
        if (!Directory.Exists(full))
        {
            errors.Add("root.path", $"{full}: no such directory");
            return null;
        }
        return full;
    }

    private static void ValidateMounts(List<Mount>? mounts, ValidationErrors errors)
    {
        if (mounts is null)
        {
            return;
        }

        for (var i = 0; i < mounts.Count; i++)
        {
            var path = $"mounts[{i}]";
            var mount = mounts[i];
            if (mount is null)
            {
                errors.Add(path, "must be an object");
                continue;
            }
            CheckContainerPath(mount.Destination, $"{path}.destination", required: true, errors);
            if (mount.Options is { } options)
            {
                for (var j = 0; j < options.Count; j++)
                {
                    if (string.IsNullOrEmpty(options[j]))
                    {
                        errors.Add($"{path}.options[{j}]", "must not be empty");
                    }
                }
            }
        }
    }

    private static void ValidateProcess(Process? process, ValidationErrors errors)
    {
        if (process is null)
        {
            errors.Add("process", "required");
            return;
        }
        if (process.Args is not { Count: > 0 } && string.IsNullOrEmpty(process.CommandLine))
        {
            errors.Add("process.args", "must not be empty");
        }
        else if (process.Args is { Count: > 0 } args && string.IsNullOrEmpty(args[0]))
        {
            errors.Add("process.args[0]", "must not be empty");
        }

        if (string.IsNullOrEmpty(process.Cwd))
        {
            errors.Add("process.cwd", "required");
        }
        else if (!process.Cwd.StartsWith('/'))
        {
            errors.Add("process.cwd", $"\"{process.Cwd}\" must be an absolute path");
        }

        if (process.Env is { } env)
        {
            for (var i = 0; i < env.Count; i++)
            {
                if (env[i] is not { } entry || entry.IndexOf('=') <= 0)
                {
                    errors.Add($"process.env[{i}]", $"\"{env[i]}\" must have the form KEY=value");
                }
            }
        }
        if (process.ConsoleSize is not null && !process.Terminal)
        {
            errors.Add("process.consoleSize", "only allowed when process.terminal is true");
        }

        if (process.OomScoreAdj is < -1000 or > 1000)
        {
            errors.Add("process.oomScoreAdj", $"{process.OomScoreAdj} is outside -1000..1000");
        }

        if (process.User?.Umask is > 0b111_111_111)
        {
            errors.Add("process.user.umask", $"{process.User.Umask} is not a file mode mask (0..0777)");
        }

        if (process.Capabilities is { } caps)
        {
            CheckCapabilities(caps.Bounding, "bounding", errors);
            CheckCapabilities(caps.Effective, "effective", errors);
            CheckCapabilities(caps.Inheritable, "inheritable", errors);
            CheckCapabilities(caps.Permitted, "permitted", errors);
            CheckCapabilities(caps.Ambient, "ambient", errors);
        }

        if (process.Rlimits is { } rlimits)
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < rlimits.Count; i++)
            {
                var path = $"process.rlimits[{i}]";
                var limit = rlimits[i];
                if (limit?.Type is not { } type || !KnownNames.Rlimits.Contains(type))
                {
                    errors.Add($"{path}.type", $"unknown rlimit \"{limit?.Type}\"");
                }
                else if (!seen.Add(type))
                {
                    errors.Add($"{path}.type", $"duplicate rlimit \"{type}\"");
                }

                if (limit is not null && limit.Soft > limit.Hard)
                {
                    errors.Add($"{path}.soft", $"{limit.Soft} exceeds hard limit {limit.Hard}");
                }
            }
        }
    }

    private static void CheckCapabilities(List<string>? set, string name, ValidationErrors errors)
    {
        if (set is null)
        {
            return;
        }

        for (var i = 0; i < set.Count; i++)
        {
            if (!KnownNames.Capabilities.Contains(set[i] ?? ""))
            {
                errors.Add($"process.capabilities.{name}[{i}]", $"unknown capability \"{set[i]}\"");
            }
        }
    }

    private static void ValidateHooks(Spec.Hooks? hooks, ValidationErrors errors)
    {
        if (hooks is null)
        {
            return;
        }

        CheckHooks(hooks.Prestart, "prestart", errors);
        CheckHooks(hooks.CreateRuntime, "createRuntime", errors);
        CheckHooks(hooks.CreateContainer, "createContainer", errors);
        CheckHooks(hooks.StartContainer, "startContainer", errors);
        CheckHooks(hooks.Poststart, "poststart", errors);
        CheckHooks(hooks.Poststop, "poststop", errors);
    }

    private static void CheckHooks(List<Hook>? list, string name, ValidationErrors errors)
    {
        if (list is null)
        {
            return;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var path = $"hooks.{name}[{i}]";
            var hook = list[i];
            if (hook is null)
            {
                errors.Add(path, "must be an object");
                continue;
            }
            if (string.IsNullOrEmpty(hook.Path))
            {
                errors.Add($"{path}.path", "required");
            }
            else if (!hook.Path.StartsWith('/'))
            {
                errors.Add($"{path}.path", $"\"{hook.Path}\" must be an absolute path");
            }

            if (hook.Timeout is <= 0)
            {
                errors.Add($"{path}.timeout", "must be a positive number of seconds");
            }
        }
    }

    private static void ValidateLinux(RuntimeSpec spec, ValidationErrors errors)
    {
        var linux = spec.Linux;
        var namespaces = new Dictionary<string, Namespace>();
        if (linux?.Namespaces is { } list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                var path = $"linux.namespaces[{i}]";
                var ns = list[i];
                if (ns?.Type is not { Length: > 0 } type)
                {
                    errors.Add($"{path}.type", "required");
                }
                else if (!KnownNames.NamespaceTypes.Contains(type))
                {
                    errors.Add($"{path}.type", $"unknown namespace type \"{type}\"");
                }
                else if (!namespaces.TryAdd(type, ns))
                {
                    errors.Add($"{path}.type", $"duplicate namespace \"{type}\"");
                }

                if (ns?.Path is { } nsPath && !nsPath.StartsWith('/'))
                {
                    errors.Add($"{path}.path", $"\"{nsPath}\" must be an absolute path");
                }
            }
        }

        if (spec.Hostname is { Length: > 0 } && !namespaces.ContainsKey("uts"))
        {
            errors.Add("hostname", "setting the hostname needs a \"uts\" entry in linux.namespaces");
        }

        if (spec.Domainname is { Length: > 0 } && !namespaces.ContainsKey("uts"))
        {
            errors.Add("domainname", "setting the domain name needs a \"uts\" entry in linux.namespaces");
        }

        if (linux is null)
        {
            return;
        }

        var newUserNs = namespaces.TryGetValue("user", out var userNs) && string.IsNullOrEmpty(userNs.Path);
        CheckMappings(linux.UidMappings, "linux.uidMappings", namespaces.ContainsKey("user"), newUserNs, errors);
        CheckMappings(linux.GidMappings, "linux.gidMappings", namespaces.ContainsKey("user"), newUserNs, errors);

        if (linux.Devices is { } devices)
        {
            for (var i = 0; i < devices.Count; i++)
            {
                var path = $"linux.devices[{i}]";
                var device = devices[i];
                if (device?.Type is not { } type || !KnownNames.DeviceTypes.Contains(type))
                {
                    errors.Add($"{path}.type", $"unknown device type \"{device?.Type}\" (c, b, u or p)");
                }

                CheckContainerPath(device?.Path, $"{path}.path", required: true, errors);
            }
        }

        if (linux.CgroupsPath is { } cgroupsPath && HasDotDot(cgroupsPath))
        {
            errors.Add("linux.cgroupsPath", $"\"{cgroupsPath}\" must not contain \"..\"");
        }

        if (linux.RootfsPropagation is { } propagation && !KnownNames.Propagations.Contains(propagation))
        {
            errors.Add("linux.rootfsPropagation", $"unknown propagation \"{propagation}\"");
        }

        if (linux.Sysctl is { } sysctl)
        {
            foreach (var key in sysctl.Keys)
            {
                if (string.IsNullOrEmpty(key))
                {
                    errors.Add("linux.sysctl", "keys must not be empty");
                }
                else if (key.StartsWith("net.", StringComparison.Ordinal) && !namespaces.ContainsKey("network"))
                {
                    errors.Add($"linux.sysctl.{key}", "net.* sysctls need a \"network\" entry in linux.namespaces");
                }
                else if (key is "kernel.hostname" or "kernel.domainname" && !namespaces.ContainsKey("uts"))
                {
                    errors.Add($"linux.sysctl.{key}", "needs a \"uts\" entry in linux.namespaces");
                }
                else if (IsIpcSysctl(key) && !namespaces.ContainsKey("ipc"))
                {
                    errors.Add($"linux.sysctl.{key}", "needs an \"ipc\" entry in linux.namespaces");
                }
                else if (!key.StartsWith("net.", StringComparison.Ordinal) && !IsIpcSysctl(key) && key is not ("kernel.hostname" or "kernel.domainname"))
                {
                    // As runc: anything else is host-wide (kernel.core_pattern would run a program on the host).
                    errors.Add($"linux.sysctl.{key}", "is not namespaced: setting it would change the host");
                }
            }
        }

        // As runc: without its own mount namespace a container is only chrooted, and masking, read-only paths and
        // devices could not be applied without changing the host's files. Its mounts are made in the namespace it
        // inherits or joins (config-linux.md), where delete removes them again.
        var privateMounts = namespaces.TryGetValue("mount", out var mountNs) && string.IsNullOrEmpty(mountNs.Path);
        if (!privateMounts)
        {
            if (linux.MaskedPaths is { Count: > 0 })
            {
                errors.Add("linux.maskedPaths", "needs a new \"mount\" entry in linux.namespaces");
            }

            if (linux.ReadonlyPaths is { Count: > 0 })
            {
                errors.Add("linux.readonlyPaths", "needs a new \"mount\" entry in linux.namespaces");
            }

            if (linux.Devices is { Count: > 0 })
            {
                errors.Add("linux.devices", "needs a new \"mount\" entry in linux.namespaces");
            }

            if (spec.Root?.Readonly == true)
            {
                errors.Add("root.readonly", "needs a new \"mount\" entry in linux.namespaces");
            }
        }

        CheckPaths(linux.MaskedPaths, "linux.maskedPaths", errors);
        CheckPaths(linux.ReadonlyPaths, "linux.readonlyPaths", errors);
        ValidateResources(linux.Resources, errors);
        ValidateSeccomp(linux.Seccomp, errors);
        if (linux.Personality?.Domain is { } domain && domain is not ("LINUX" or "LINUX32"))
        {
            errors.Add("linux.personality.domain", $"unknown domain \"{domain}\" (LINUX or LINUX32)");
        }
    }

    private static void CheckMappings(List<IdMapping>? mappings, string path, bool hasUserNs, bool newUserNs, ValidationErrors errors)
    {
        if (mappings is { Count: > 0 })
        {
            if (!hasUserNs)
            {
                errors.Add(path, "mappings need a \"user\" entry in linux.namespaces");
            }

            for (var i = 0; i < mappings.Count; i++)
            {
                if (mappings[i] is null || mappings[i].Size == 0)
                {
                    errors.Add($"{path}[{i}].size", "must be greater than 0");
                }
            }
        }
        else if (newUserNs)
        {
            errors.Add(path, "required when creating a user namespace");
        }
    }

    private static void ValidateResources(Resources? resources, ValidationErrors errors)
    {
        if (resources is null)
        {
            return;
        }

        if (resources.Memory is { } memory)
        {
            if (memory.Limit is { } limit and (0 or < -1))
            {
                errors.Add("linux.resources.memory.limit", $"{limit} must be positive or -1 (unlimited)");
            }

            if (memory.Swap is { } swap and (0 or < -1))
            {
                errors.Add("linux.resources.memory.swap", $"{swap} must be positive or -1 (unlimited)");
            }

            if (memory.Swappiness is > 100)
            {
                errors.Add("linux.resources.memory.swappiness", $"{memory.Swappiness} is outside 0..100");
            }
        }
        if (resources.Cpu is { } cpu)
        {
            if (cpu.Quota is { } quota and (0 or < -1))
            {
                errors.Add("linux.resources.cpu.quota", $"{quota} must be positive or -1 (unlimited)");
            }

            if (cpu.Period is 0)
            {
                errors.Add("linux.resources.cpu.period", "must be positive");
            }
        }
        if (resources.Pids is { Limit: < -1 } pids)
        {
            errors.Add("linux.resources.pids.limit", $"{pids.Limit} must be positive, 0 or -1 (unlimited)");
        }

        if (resources.Devices is { } devices)
        {
            for (var i = 0; i < devices.Count; i++)
            {
                var path = $"linux.resources.devices[{i}]";
                if (devices[i]?.Type is { } type && type is not ("a" or "b" or "c"))
                {
                    errors.Add($"{path}.type", $"unknown device type \"{type}\" (a, b or c)");
                }

                if (devices[i]?.Access is { } access && (access.Length == 0 || access.Any(c => c is not ('r' or 'w' or 'm'))))
                {
                    errors.Add($"{path}.access", $"\"{access}\" must be a combination of r, w and m");
                }
            }
        }
    }

    // The seccomp compiler owns what a valid profile is (Seccomp/SeccompRules); here every problem is collected.
    private static void ValidateSeccomp(Spec.Seccomp? seccomp, ValidationErrors errors)
    {
        if (seccomp is not null)
        {
            Platform.Runtime.Seccomp.SeccompRules.Check(seccomp, "linux.seccomp", errors.Add);
        }
    }

    private static void CheckPaths(List<string>? paths, string name, ValidationErrors errors)
    {
        if (paths is null)
        {
            return;
        }

        for (var i = 0; i < paths.Count; i++)
        {
            CheckContainerPath(paths[i], $"{name}[{i}]", required: true, errors);
        }
    }

    /// <summary>Paths inside the container: absolute and without "..", so that they cannot name anything outside the rootfs.</summary>
    private static void CheckContainerPath(string? value, string path, bool required, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errors.Add(path, "required");
            }

            return;
        }
        if (!value.StartsWith('/'))
        {
            errors.Add(path, $"\"{value}\" must be an absolute path");
        }
        else if (value.Contains('\0'))
        {
            errors.Add(path, "must not contain a NUL character (no path can)");
        }
        else if (HasDotDot(value))
        {
            errors.Add(path, $"\"{value}\" must not contain \"..\" (it could escape the root filesystem)");
        }
    }

    private static bool HasDotDot(string path) => path.Split('/').Contains("..");

    private static bool IsInside(string path, string dir) =>
        path == dir || path.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal);

    internal static string? RealPath(string path)
    {
        try
        {
            // Resolve every component, not only the last: a symlinked parent could point anywhere.
            var full = Path.GetFullPath(path);
            var current = "/";
            foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var next = Path.Combine(current, part);
                var info = new DirectoryInfo(next);
                current = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next : next;
            }
            return current;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsIpcSysctl(string key) =>
        key.StartsWith("fs.mqueue.", StringComparison.Ordinal)
        || key is "kernel.msgmax" or "kernel.msgmnb" or "kernel.msgmni" or "kernel.sem" or "kernel.shmall"
            or "kernel.shmmax" or "kernel.shmmni" or "kernel.shm_rmid_forced";
}
