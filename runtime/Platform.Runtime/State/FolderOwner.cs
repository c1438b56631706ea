using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.State;

/// <summary>
/// Who owns a container, as runc's `list` reports it: the user owning its state folder, by name from
/// /etc/passwd, else "#uid". /etc/passwd is read directly rather than through NSS (getpwuid): the CLI is a
/// static glibc image, which must not load NSS modules at run time.
/// </summary>
internal static class FolderOwner
{
    public static string Of(string folder, string passwdPath = "/etc/passwd")
    {
        if (Libc.StatAt(LinuxConstants.AT_FDCWD, folder, 0) is not { Uid: var uid })
        {
            return "";
        }

        return NameOf(uid, passwdPath) ?? $"#{uid}";
    }

    internal static string? NameOf(uint uid, string passwdPath)
    {
        try
        {
            foreach (var line in File.ReadLines(passwdPath))
            {
                // name:password:uid:gid:gecos:home:shell
                var fields = line.Split(':');
                if (fields.Length >= 3 && fields[0].Length > 0 && uint.TryParse(fields[2], out var entry) && entry == uid)
                {
                    return fields[0];
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
