namespace Platform.Runtime.Linux.Interop;

/// <summary>Turns a failed system call into a <see cref="RuntimeException"/> that says what was being done.</summary>
internal static class Sys
{
    public static int Check(int result, string what)
    {
        if (result < 0)
            throw Error(what);
        return result;
    }

    public static RuntimeException Error(string what) => Error(what, Libc.Errno);

    public static RuntimeException Error(string what, int errno) => new($"{what}: {Libc.ErrorText(errno).ToLowerInvariant()}");
}
