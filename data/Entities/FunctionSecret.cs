namespace Platform.Data.Entities;

/// <summary>
/// One secret of a function, encrypted by the api (ASP.NET Core Data Protection) before it reaches the
/// database: its value is never stored, logged or shown in clear. Instances get it as an environment variable.
/// </summary>
public sealed class FunctionSecret
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid FunctionId { get; set; }
    /// <summary>The environment variable's name.</summary>
    public required string Name { get; set; }
    /// <summary>The protected value (Data Protection payload, base64url).</summary>
    public required string Ciphertext { get; set; }
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
}
