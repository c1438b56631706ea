namespace Platform.Data.Entities;

/// <summary>An immutable version: the bundle (by sha256 digest) and the settings in force when it was uploaded.</summary>
public sealed class FunctionVersion
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid FunctionId { get; set; }
    public Function? Function { get; set; }
    public int Number { get; set; }
    /// <summary>"sha256:" + hex of the uploaded bundle.</summary>
    public required string Digest { get; set; }
    public long SizeBytes { get; set; }
    public FunctionSettings Settings { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
