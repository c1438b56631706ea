namespace Platform.Runtime.Linux.Interop;

/// <summary>Turns a failed system call into a <see cref="RuntimeException"/> that says what was being done.</summary>
internal static class Sys
{
    public static int Check(int result, string what)
    {
        if (result < 0)
        {
            throw Error(what);
        }

        return result;
    }

    public static RuntimeException Error(string what) => Error(what, Libc.Errno);

    /// <summary>For a call whose failure means the user's input is wrong, whatever the errno.</summary>
    public static RuntimeException Error(RuntimeErrorKind kind, string what) => new(kind, $"{what}: {Libc.ErrorText(Libc.Errno).ToLowerInvariant()}");

    public static RuntimeException Error(string what, int errno) => new(KindOf(errno), $"{what}: {Libc.ErrorText(errno).ToLowerInvariant()}");

    /// <summary>A refusal for lack of privilege is the user's to fix (run as root, grant a capability); any other errno is the host's.</summary>
    public static RuntimeErrorKind KindOf(int errno) =>
        errno is LinuxConstants.EPERM or LinuxConstants.EACCES ? RuntimeErrorKind.Permission : RuntimeErrorKind.HostFailure;
}
