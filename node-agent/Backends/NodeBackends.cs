using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Runtime.Vmm;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.NodeAgent.Backends;

/// <summary>
/// The isolations this node can run, probed once at start and advertised in every heartbeat: containers
/// always; microVMs when /dev/kvm opens and a guest kernel is there. An instance of a backend the node lacks
/// fails with the reason; it never runs in another sandbox.
/// </summary>
internal sealed partial class NodeBackends
{
    private readonly Dictionary<string, string> _unavailable = new(StringComparer.Ordinal);

    public NodeBackends(IOptions<NodeAgentOptions> options, ILogger<NodeBackends> logger)
    {
        GuestKernel = ResolveGuestKernel(options.Value.GuestKernel);
        var microVm = ProbeMicroVm(GuestKernel);
        if (microVm is null)
        {
            Available = [Isolation.Container, Isolation.MicroVm];
        }
        else
        {
            Available = [Isolation.Container];
            _unavailable[Isolation.MicroVm] = microVm;
        }

        var userNamespaces = options.Value.UserNamespaces ? ProbeUserNamespaces() : "off (Platform:Node:UserNamespaces)";
        UserNamespaces = userNamespaces is null;
        LogProbed(logger, options.Value.Id, string.Join(", ", Available), microVm ?? "available", userNamespaces ?? "available");
    }

    /// <summary>Whether instances run in a user namespace (configured, and the host allows them).</summary>
    public bool UserNamespaces { get; }

    public IReadOnlyList<string> Available { get; }

    /// <summary>The guest kernel microVMs boot (set when the microVM backend is available).</summary>
    public string? GuestKernel { get; }

    /// <summary>Null when this node runs <paramref name="isolation"/>; otherwise why not.</summary>
    public string? WhyUnavailable(string isolation) =>
        Available.Contains(isolation) ? null : _unavailable.GetValueOrDefault(isolation, $"unknown isolation '{isolation}'");

    private static string? ProbeMicroVm(string? kernel)
    {
        try
        {
            using var kvm = Kvm.Open();
        }
        catch (VmmException e)
        {
            return $"KVM is not usable here: {e.Message}";
        }

        if (kernel is null)
        {
            return "no guest kernel: set Platform:Node:GuestKernel or run scripts/build-guest-kernel";
        }

        return File.Exists(kernel) ? null : $"the guest kernel {kernel} does not exist";
    }

    // Tried, not inferred: besides max_user_namespaces, a chrooted agent (the KVM lab's) or a seccomp-confined one
    // is refused, and then instances run without a user namespace rather than not at all.
    private static string? ProbeUserNamespaces()
    {
        try
        {
            using var unshare = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("unshare", ["--user", "true"])
            {
                RedirectStandardError = true,
            })!;
            var error = unshare.StandardError.ReadToEnd();
            if (!unshare.WaitForExit(5000))
            {
                unshare.Kill();
                return "unshare --user did not finish";
            }

            return unshare.ExitCode == 0 ? null : $"this host refuses them: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot probe them (unshare from util-linux: {e.Message})";
        }
    }

    private static string? ResolveGuestKernel(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Path.GetFullPath(configured);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var built = Path.Combine(dir.FullName, "artifacts", "guest", "vmlinux");
            if (File.Exists(built))
            {
                return built;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} runs: {Backends} (microvm: {MicroVm}; user namespaces: {UserNamespaces})")]
    private static partial void LogProbed(ILogger logger, string nodeId, string backends, string microVm, string userNamespaces);
}
