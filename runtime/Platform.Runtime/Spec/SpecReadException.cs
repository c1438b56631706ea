namespace Platform.Runtime.Spec;

/// <summary>config.json is not JSON, or not the shape of a <see cref="RuntimeSpec"/>; says where.</summary>
internal sealed class SpecReadException(string reason, string? path, long line, bool isSyntaxError, Exception? inner = null)
    : Exception(reason, inner)
{
    /// <summary>What was wrong, e.g. "expected a string, found a number".</summary>
    public string Reason { get; } = reason;

    /// <summary>The JSON path of the property being read, e.g. "process.args[1]"; null at the top level.</summary>
    public string? Path { get; } = path;

    /// <summary>1-based line of config.json.</summary>
    public long Line { get; } = line;

    /// <summary>The bytes are not JSON at all (as opposed to JSON of the wrong shape).</summary>
    public bool IsSyntaxError { get; } = isSyntaxError;
}
