namespace Platform.Runtime.Validation;

/// <summary>Container IDs name a folder under the state root, so they are restricted like runc's: no path tricks.</summary>
internal static class ContainerId
{
    public const int MaxLength = 1024;

    public static void Validate(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, "invalid container ID: must not be empty");
        }

        if (id.Contains('/'))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"invalid container ID \"{id}\": must not contain \"/\"");
        }

        if (id is "." or "..")
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"invalid container ID \"{id}\": must not be \".\" or \"..\"");
        }

        if (id.Length > MaxLength)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"invalid container ID: longer than {MaxLength} characters");
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.'))
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"invalid container ID \"{id}\": may contain only letters, digits, '_', '+', '-' and '.'");
            }
        }
    }
}
