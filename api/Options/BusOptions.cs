namespace Platform.Api.Options;

/// <summary>"Platform:Bus": the in-memory bus in one process, RabbitMQ between processes.</summary>
public sealed class BusOptions
{
    public const string SectionName = "Platform:Bus";

    /// <summary>"inmemory" or "rabbitmq".</summary>
    public string Transport { get; set; } = "inmemory";
    public string Host { get; set; } = "localhost";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";
}
