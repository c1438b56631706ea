using System.Buffers.Binary;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Linux;

/// <summary>The namespaces of linux.namespaces as the C stage needs them: clone flags to unshare, paths to join.</summary>
internal sealed class NamespaceSet
{
    private NamespaceSet(uint cloneFlags, IReadOnlyList<(uint Type, string Path)> joins)
    {
        CloneFlags = cloneFlags;
        Joins = joins;
    }

    public uint CloneFlags { get; }
    public IReadOnlyList<(uint Type, string Path)> Joins { get; }

    public bool Creates(uint flag) => (CloneFlags & flag) != 0;
    public bool Has(uint flag) => Creates(flag) || Joins.Any(j => j.Type == flag);

    public static NamespaceSet From(RuntimeSpec spec)
    {
        uint flags = 0;
        var joins = new List<(uint, string)>();
        var namespaces = spec.Linux?.Namespaces ?? [];
        for (var i = 0; i < namespaces.Count; i++)
        {
            var ns = namespaces[i];
            var flag = FlagOf(ns.Type)
                ?? throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"linux.namespaces[{i}].type: unknown namespace type \"{ns.Type}\"");
            if (string.IsNullOrEmpty(ns.Path))
            {
                flags |= flag;
            }
            else
            {
                joins.Add((flag, ns.Path));
            }
        }
        return new NamespaceSet(flags, joins);
    }

    public static uint? FlagOf(string? type) => type switch
    {
        "pid" => LinuxConstants.CLONE_NEWPID,
        "network" => LinuxConstants.CLONE_NEWNET,
        "mount" => LinuxConstants.CLONE_NEWNS,
        "ipc" => LinuxConstants.CLONE_NEWIPC,
        "uts" => LinuxConstants.CLONE_NEWUTS,
        "user" => LinuxConstants.CLONE_NEWUSER,
        "cgroup" => LinuxConstants.CLONE_NEWCGROUP,
        "time" => LinuxConstants.CLONE_NEWTIME,
        _ => null,
    };

    /// <summary>The BOOTSTRAP payload nsexec.c reads: u32 flags, u32 count, then per join u32 type, u32 length, path.</summary>
    public byte[] EncodeBootstrap()
    {
        var paths = Joins.Select(j => System.Text.Encoding.UTF8.GetBytes(j.Path)).ToArray();
        var payload = new byte[8 + paths.Sum(p => 8 + p.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, CloneFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), (uint)Joins.Count);
        var offset = 8;
        for (var i = 0; i < Joins.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(offset), Joins[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(offset + 4), (uint)paths[i].Length);
            paths[i].CopyTo(payload, offset + 8);
            offset += 8 + paths[i].Length;
        }
        return payload;
    }
}
