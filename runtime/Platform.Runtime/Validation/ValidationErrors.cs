namespace Platform.Runtime.Validation;

/// <summary>Collects every problem in a config (each prefixed with its JSON path) so the user fixes them in one go.</summary>
internal sealed class ValidationErrors
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Add(string path, string message) => _errors.Add($"{path}: {message}");

    public void ThrowIfAny()
    {
        if (_errors.Count == 1)
            throw new RuntimeException($"invalid config.json: {_errors[0]}");
        if (_errors.Count > 1)
            throw new RuntimeException($"invalid config.json:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", _errors)}");
    }
}
