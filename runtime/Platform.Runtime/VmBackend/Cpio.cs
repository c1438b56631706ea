using System.Buffers;
using System.Text;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// Writes a cpio archive in the "newc" format, the one the Linux kernel unpacks as an initramfs
/// (Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header per entry, the name
/// and the data each padded to 4 bytes, and a TRAILER!!! entry.
/// </summary>
internal sealed class Cpio
{
    private const uint Directory = 0x4000, Regular = 0x8000, CharDevice = 0x2000;
    private readonly ArrayBufferWriter<byte> _out = new();
    private uint _inode = 1;

    public Cpio AddDirectory(string name, uint mode = 0x1ed) => Add(name, Directory | mode, [], 0, 0);

    public Cpio AddFile(string name, ReadOnlySpan<byte> data, uint mode = 0x1a4) => Add(name, Regular | mode, data, 0, 0);

    public Cpio AddCharDevice(string name, uint major, uint minor, uint mode = 0x180) => Add(name, CharDevice | mode, [], major, minor);

    public byte[] Finish()
    {
        Add("TRAILER!!!", 0, [], 0, 0);
        return _out.WrittenSpan.ToArray();
    }

    private Cpio Add(string name, uint mode, ReadOnlySpan<byte> data, uint rdevMajor, uint rdevMinor)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var header = $"070701{_inode++:x8}{mode:x8}{0:x8}{0:x8}{1:x8}{0:x8}{data.Length:x8}{0:x8}{0:x8}{rdevMajor:x8}{rdevMinor:x8}{nameBytes.Length + 1:x8}{0:x8}";
        _out.Write(Encoding.ASCII.GetBytes(header));
        _out.Write(nameBytes);
        WriteZero();
        Pad();
        _out.Write(data);
        Pad();
        return this;
    }

    private void Pad()
    {
        while (_out.WrittenCount % 4 != 0)
        {
            WriteZero();
        }
    }

    private void WriteZero()
    {
        _out.GetSpan(1)[0] = 0;
        _out.Advance(1);
    }
}
