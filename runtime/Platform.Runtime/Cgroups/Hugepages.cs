namespace Platform.Runtime.Cgroups;

internal static class Hugepages
{
    /// <summary>Page sizes as the hugetlb controller names them: "2MB", "1GB", "64KB".</summary>
    public static string ValidatePageSize(string? size, string jsonPath)
    {
        if (size is null || size.Length < 3 || !size.EndsWith('B') || size[^2] is not ('K' or 'M' or 'G')
            || !size[..^2].All(char.IsAsciiDigit))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}: \"{size}\" is not a page size like 2MB or 1GB");
        }
        return size;
    }
}
