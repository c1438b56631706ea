using Platform.Web.Client;

namespace Platform.Web.Tests.Client;

public sealed class ServerApiBaseAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://*:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://+:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://localhost:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://[::]:5000", "http://[::1]:5000/")]
    [InlineData("http://10.1.2.3:7000", "http://10.1.2.3:7000/")]
    public void Listen_address_becomes_one_to_connect_to(string listening, string expected)
    {
        Assert.Equal(new Uri(expected), ServerApiBaseAddress.FromListenAddresses([listening]));
    }

    [Fact]
    public void Plain_http_is_preferred_over_https()
    {
        var address = ServerApiBaseAddress.FromListenAddresses(["https://127.0.0.1:5001", "http://127.0.0.1:5000"]);

        Assert.Equal(new Uri("http://127.0.0.1:5000/"), address);
    }

    [Fact]
    public void Unix_sockets_are_not_used()
    {
        Assert.Null(ServerApiBaseAddress.FromListenAddresses(["http://unix:/run/platform.sock"]));
    }
}
