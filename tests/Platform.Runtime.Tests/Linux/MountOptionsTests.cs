using Platform.Runtime.Linux.Init;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Tests.Linux;

public sealed class MountOptionsTests
{
    [Fact]
    public void Flags_propagation_and_data_are_separated()
    {
        var options = MountOptions.Parse(["nosuid", "noexec", "rslave", "mode=755", "ro", "size=64k"], "mounts[0]");
        Assert.Equal(MS_NOSUID | MS_NOEXEC | MS_RDONLY, options.Flags);
        Assert.Equal([MS_SLAVE | MS_REC], options.Propagation);
        Assert.Equal("mode=755,size=64k", options.Data);
    }

    [Fact]
    public void Later_options_clear_earlier_flags()
    {
        var options = MountOptions.Parse(["ro", "nosuid", "rw", "suid"], "mounts[0]");
        Assert.Equal(0UL, options.Flags);
        Assert.Null(options.Data);
    }

    [Fact]
    public void Rbind_is_a_recursive_bind()
    {
        var options = MountOptions.Parse(["rbind", "ro"], "mounts[0]");
        Assert.True(options.IsBind);
        Assert.Equal(MS_BIND | MS_REC | MS_RDONLY, options.Flags);
    }

    [Fact]
    public void Unsupported_recursive_attribute_is_an_error_naming_the_option()
    {
        var error = Assert.Throws<RuntimeException>(() => MountOptions.Parse(["bind", "rro"], "mounts[3]"));
        Assert.Equal(RuntimeErrorKind.Unsupported, error.Kind);
        Assert.Equal("mounts[3].options[1]: mount option \"rro\" is not supported", error.Message);
    }

    [Fact]
    public void Locked_flags_come_from_statvfs_bits()
    {
        Assert.Equal(MS_NOSUID | MS_NODEV | MS_RDONLY, MountOptions.LockedFlags(ST_NOSUID | ST_NODEV | ST_RDONLY));
    }
}
