using System.Text;
using System.Text.Json;
using Platform.Runtime.Validation;

namespace Platform.Runtime;

/// <summary>What this runtime implements, in the runtime-spec features.md shape (the CLI's `features`).</summary>
public static class RuntimeFeatures
{
    public static string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ociVersionMin", "1.0.0");
            w.WriteString("ociVersionMax", "1.3.0");
            Array(w, "hooks", ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
            Array(w, "mountOptions",
            [
                "ro", "rw", "bind", "rbind", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "async",
                "dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "relatime",
                "norelatime", "strictatime", "nostrictatime", "shared", "rshared", "slave", "rslave", "private",
                "rprivate", "unbindable", "runbindable",
            ]);
            w.WriteStartObject("linux");
            Array(w, "namespaces", KnownNames.NamespaceTypes.Where(n => n != "time").Order(StringComparer.Ordinal));
            Array(w, "capabilities", KnownNames.Capabilities.Order(StringComparer.Ordinal));
            w.WriteStartObject("cgroup");
            w.WriteBoolean("v1", true);
            w.WriteBoolean("v2", true);
            w.WriteBoolean("systemd", false);
            w.WriteBoolean("rdma", false);
            w.WriteEndObject();
            w.WriteStartObject("seccomp");
            w.WriteBoolean("enabled", true);
            Array(w, "actions", Platform.Runtime.Seccomp.SeccompReturn.ActionNames.Order(StringComparer.Ordinal));
            Array(w, "operators", Platform.Runtime.Seccomp.SeccompRules.OperatorNames.Order(StringComparer.Ordinal));
            Array(w, "archs", ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"]);
            w.WriteEndObject();
            // What this host can apply: a config asking for a disabled one is refused (HostSupport).
            var host = HostSupport.Probe();
            Enabled(w, "apparmor", host.AppArmor);
            Enabled(w, "selinux", host.SeLinux);
            Enabled(w, "intelRdt", false);
            Enabled(w, "netDevices", false);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Enabled(Utf8JsonWriter w, string name, bool enabled)
    {
        w.WriteStartObject(name);
        w.WriteBoolean("enabled", enabled);
        w.WriteEndObject();
    }

    private static void Array(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
