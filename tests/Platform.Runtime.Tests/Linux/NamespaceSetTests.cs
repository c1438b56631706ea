using System.Buffers.Binary;
using System.Text;
using Platform.Runtime.Linux;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Tests.Linux;

public sealed class NamespaceSetTests
{
    private static RuntimeSpec WithNamespaces(params Namespace[] namespaces) =>
        new() { Linux = new Spec.Linux { Namespaces = [.. namespaces] } };

    [Fact]
    public void New_namespaces_become_clone_flags_and_paths_become_joins()
    {
        var set = NamespaceSet.From(WithNamespaces(
            new Namespace { Type = "pid" }, new Namespace { Type = "user" },
            new Namespace { Type = "network", Path = "/run/netns/a" }));
        Assert.Equal(CLONE_NEWPID | CLONE_NEWUSER, set.CloneFlags);
        Assert.Equal([(CLONE_NEWNET, "/run/netns/a")], set.Joins);
        Assert.True(set.Has(CLONE_NEWNET));
        Assert.False(set.Creates(CLONE_NEWNET));
    }

    [Fact]
    public void Unknown_namespace_type_names_its_json_path()
    {
        var error = Assert.Throws<RuntimeException>(() => NamespaceSet.From(WithNamespaces(new Namespace { Type = "pid" }, new Namespace { Type = "foo" })));
        Assert.Equal(RuntimeErrorKind.InvalidConfig, error.Kind);
        Assert.Equal("linux.namespaces[1].type: unknown namespace type \"foo\"", error.Message);
    }

    [Fact]
    public void Bootstrap_encoding_is_what_nsexec_reads()
    {
        var bytes = NamespaceSet.From(WithNamespaces(new Namespace { Type = "mount" }, new Namespace { Type = "ipc", Path = "/p" })).EncodeBootstrap();
        Assert.Equal(CLONE_NEWNS, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(CLONE_NEWIPC, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal("/p", Encoding.UTF8.GetString(bytes.AsSpan(16)));
        Assert.Equal(18, bytes.Length);
    }
}
