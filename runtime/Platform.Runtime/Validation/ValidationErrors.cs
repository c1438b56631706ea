namespace Platform.Runtime.Validation;

/// <summary>Collects every problem in a config (each prefixed with its JSON path) so the user fixes them in one go.</summary>
internal sealed class ValidationErrors
{
    private readonly List<string> _errors = [];
    private bool _invalid;

    public IReadOnlyList<string> Errors => _errors;

    public void Add(string path, string message)
    {
        _errors.Add($"{path}: {message}");
        _invalid = true;
    }

    /// <summary>A valid field this runtime or host cannot honour: alone, such errors make the config Unsupported rather than invalid.</summary>
    public void AddUnsupported(string path, string message) => _errors.Add($"{path}: {message}");

    public void ThrowIfAny()
    {
        var kind = _invalid ? RuntimeErrorKind.InvalidConfig : RuntimeErrorKind.Unsupported;
        if (_errors.Count == 1)
        {
            throw new RuntimeException(kind, $"invalid config.json: {_errors[0]}");
        }

        if (_errors.Count > 1)
        {
            throw new RuntimeException(kind, $"invalid config.json:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", _errors)}");
        }
    }
}
