using Platform.Runtime.Vmm.Devices.Virtio.Vsock;

namespace Platform.Runtime.Vmm.Tests.Vsock;

public sealed class VsockHeaderTests
{
    [Fact]
    public void Header_is_44_little_endian_bytes_in_virtio_vsock_hdr_order()
    {
        var h = new VsockHeader(0x0102030405060708, 2, 0x11121314, 0x21222324, 0x31323334, 1, VsockOp.Rw, 3, 0x41424344, 0x51525354);
        byte[] b = new byte[VsockHeader.Size];
        h.Write(b);
        Assert.Equal(44, VsockHeader.Size);
        Assert.Equal(new byte[] { 8, 7, 6, 5, 4, 3, 2, 1 }, b[0..8]);
        Assert.Equal(2, b[8]);
        Assert.Equal(new byte[] { 0x14, 0x13, 0x12, 0x11 }, b[16..20]);
        Assert.Equal(new byte[] { 0x24, 0x23, 0x22, 0x21 }, b[20..24]);
        Assert.Equal(new byte[] { 0x34, 0x33, 0x32, 0x31 }, b[24..28]);
        Assert.Equal(new byte[] { 1, 0, 5, 0 }, b[28..32]);
        Assert.Equal(new byte[] { 3, 0, 0, 0 }, b[32..36]);
        Assert.Equal(new byte[] { 0x44, 0x43, 0x42, 0x41 }, b[36..40]);
        Assert.Equal(new byte[] { 0x54, 0x53, 0x52, 0x51 }, b[40..44]);
        Assert.Equal(h, VsockHeader.Read(b));
    }

    [Fact]
    public void Short_header_buffers_are_refused()
    {
        Assert.Throws<ArgumentException>(() => VsockHeader.Read(new byte[43]));
        Assert.Throws<ArgumentException>(() => default(VsockHeader).Write(new byte[43]));
    }

    [Theory]
    [InlineData("CONNECT 52\n", true, 52u)]
    [InlineData("CONNECT 4294967295\n", true, uint.MaxValue)]
    [InlineData("CONNECT 4294967296\n", false, 0u)]
    [InlineData("CONNECT \n", false, 0u)]
    [InlineData("connect 52\n", false, 0u)]
    [InlineData("CONNECT 5 2\n", false, 0u)]
    [InlineData("CONNECT -1\n", false, 0u)]
    [InlineData("HELLO\n", false, 0u)]
    public void Connect_lines_are_parsed_strictly(string text, bool valid, uint port)
    {
        var line = new HostConnectLine();
        HostConnectLineStatus status = HostConnectLineStatus.Incomplete;
        uint got = 0;
        foreach (char ch in text)
        {
            Assert.Equal(HostConnectLineStatus.Incomplete, status);
            status = line.Add((byte)ch, out got);
        }
        Assert.Equal(valid ? HostConnectLineStatus.Port : HostConnectLineStatus.Invalid, status);
        Assert.Equal(port, got);
    }

    [Fact]
    public void A_connect_line_without_a_newline_within_the_limit_is_invalid()
    {
        var line = new HostConnectLine();
        for (int i = 0; i < VsockLimits.ConnectLineMax - 1; i++)
        {
            Assert.Equal(HostConnectLineStatus.Incomplete, line.Add((byte)'0', out _));
        }
        Assert.Equal(HostConnectLineStatus.Invalid, line.Add((byte)'0', out _));
    }
}
