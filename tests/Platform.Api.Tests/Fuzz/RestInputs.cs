using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Platform.Api.Tests.Fuzz;

/// <summary>
/// Generators for the REST surface: JSON bodies for function settings, tenants and keys built as text over the
/// models' own field names (so values reach the validation rules, not only the binder), raw damage the serializer
/// cannot write (invalid UTF-8, duplicate keys, truncation, deep nesting), and hostile path segments.
/// </summary>
internal static class RestInputs
{
    public const string Tenant = "acme";

    private static readonly string[] SettingsFields =
        ["memoryMiB", "cpuMillis", "timeoutSeconds", "concurrency", "minInstances", "maxInstances", "port", "env", "isolation", "public"];

    private static readonly string[] TenantFields = ["name", "trusted", "quotas", "maxFunctions", "maxInstances", "maxMemoryMiB"];

    private static readonly string[] Scalars =
    [
        "null", "true", "false", "0", "-1", "1", "16", "65535", "65536", "2147483647", "2147483648", "-2147483649",
        "9223372036854775808", "1e400", "1.5", "\"\"", "\"container\"", "\"microvm\"", "\"MICROVM\"", "\"acme\"",
        "\"a\\u0000b\"", "\"\\ud800\"", "\"PORT\"", "\"1\"", "\"é\"",
    ];

    // No "%00": Kestrel refuses it in the request line before the app sees it, and the in-memory test server
    // throws on it in the client instead; neither says anything about the api.
    private static readonly string[] Segments =
    [
        Tenant, "fn", "a", "", "..", ".", "%2e%2e", "a%2Fb", "%ff", "a%20b", "ACME", "-a", "a-", "é", "%C3%A9",
        new string('a', 63), new string('a', 64), new string('a', 3000), "00000000-0000-0000-0000-000000000000", "%25", "~",
    ];

    public static Gen<RestRequest> Any() =>
        from segment in Gen.Elements(Segments)
        from function in Gen.Elements(Segments)
        from body in Body()
        from route in Gen.Choose(0, 6)
        select route switch
        {
            0 or 1 => new RestRequest("PUT", $"/v1/tenants/{Tenant}/functions/{function}", body),
            2 => new RestRequest("PUT", $"/v1/tenants/{segment}/functions/{function}", body),
            3 => new RestRequest("POST", "/v1/tenants", body),
            4 => new RestRequest("PATCH", $"/v1/tenants/{segment}", body),
            5 => new RestRequest("POST", $"/v1/tenants/{segment}/keys", body),
            _ => new RestRequest("DELETE", $"/v1/tenants/{segment}/keys/{function}", null),
        };

    private static Gen<byte[]> Body() => Gen.Frequency(
        (4, Json(SettingsFields, 3).Select(Encoding.UTF8.GetBytes)),
        (3, Json(TenantFields, 3).Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Choose(0, 5000).Select(n => Encoding.UTF8.GetBytes($"{{\"name\":\"{new string('k', n)}\"}}"))),
        (1, Env().Select(env => Encoding.UTF8.GetBytes($"{{\"env\":{env}}}"))),
        (1, Damaged()));

    /// <summary>An object over <paramref name="fields"/>, nested up to <paramref name="depth"/>; keys may repeat.</summary>
    private static Gen<string> Json(string[] fields, int depth)
    {
        Gen<string> value = depth == 0
            ? Gen.Elements(Scalars)
            : Gen.Frequency((6, Gen.Elements(Scalars)), (1, Json(fields, depth - 1)),
                (1, Gen.ListOf(Gen.Elements(Scalars)).Select(items => $"[{string.Join(',', items.Take(4))}]")));
        return Gen.ListOf(Gen.Zip(Gen.Elements(fields), value))
            .Select(pairs => $"{{{string.Join(',', pairs.Take(8).Select(p => $"\"{p.Item1}\":{p.Item2}"))}}}");
    }

    /// <summary>Environment maps: hostile names and values, sometimes more than the 128 allowed.</summary>
    private static Gen<string> Env() =>
        from names in Gen.ListOf(Gen.Elements("A", "PORT", "_x", "1A", "", "A B", "a=b", "\\u0000", "\\ud800", new string('N', 300)))
        from value in Gen.Elements("\"v\"", "null", "1", "\"\\u0000\"", $"\"{new string('v', 40_000)}\"", "{}")
        from many in Gen.Frequency((5, Gen.Constant(0)), (1, Gen.Constant(200)))
        select $"{{{string.Join(',', names.Take(10).Select(n => $"\"{n}\":{value}").Concat(Enumerable.Range(0, many).Select(i => $"\"V{i}\":\"x\"")))}}}";

    private static Gen<byte[]> Damaged() => Gen.Elements<byte[]>(
        [0xff, 0xfe],
        [(byte)'{', (byte)'"', (byte)'n', (byte)'a', (byte)'m', (byte)'e', (byte)'"', (byte)':', (byte)'"', 0xc0, 0xaf, (byte)'"', (byte)'}'],
        Encoding.UTF8.GetBytes("{\"memoryMiB\":"),
        Encoding.UTF8.GetBytes("null"),
        Encoding.UTF8.GetBytes("[]"),
        Encoding.UTF8.GetBytes("\"text\""),
        Encoding.UTF8.GetBytes(""),
        Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),
        Encoding.UTF8.GetBytes("{\"quotas\":" + new string('[', 70) + new string(']', 70) + "}"),
        Encoding.UTF8.GetBytes("{\"name\":\"acme\",\"name\":7}"));

    /// <summary>A request's text as JSON, for the corpus files (method, path, body).</summary>
    public static RestRequest FromCorpus(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        return new RestRequest(root.GetProperty("method").GetString()!, root.GetProperty("path").GetString()!,
            root.TryGetProperty("body", out JsonElement body) ? Encoding.UTF8.GetBytes(body.GetString()!) : null);
    }
}
