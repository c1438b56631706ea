using Platform.Runtime.Vmm;

namespace Platform.ColdStart.Bench;

/// <summary>
/// `isolation [rounds]`: cold start of the echo sample for a trusted tenant's container and an untrusted
/// tenant's microVM, interleaved round by round. microVM figures carry the KVM speed probe's label: emulated
/// KVM (the lab) proves behaviour, never speed.
/// </summary>
internal static class IsolationMode
{
    public static async Task RunAsync(int rounds)
    {
        var work = Directory.CreateTempSubdirectory("coldstart-bundle-").FullName;
        var bundlePath = Path.Combine(work, "echo.tar.gz");
        await Repo.RunScriptAsync("samples/echo/build", "1", bundlePath);
        var bundle = await File.ReadAllBytesAsync(bundlePath);

        var verdict = await KvmSpeedProbe.MeasureAsync(TimeSpan.FromSeconds(2));
        await using var platform = PlatformProcess.Start(Repo.Root());
        using var http = new HttpClient { BaseAddress = platform.Url, Timeout = TimeSpan.FromMinutes(4) };
        var backends = await PlatformApi.WaitForNodeAsync(http, platform);
        var kinds = new List<(string Tenant, string Label)> { ("bench-container", "container") };
        if (backends.Contains("microvm"))
        {
            kinds.Add(("bench-microvm", $"microvm ({(verdict.IsHardware ? "hardware KVM" : "emulated KVM: recorded, not judged")})"));
        }
        else
        {
            Console.WriteLine($"microvm: measured nothing: the node has no microVM backend ({verdict.Reason})");
        }

        var keys = new Dictionary<string, string>();
        foreach (var (tenant, _) in kinds)
        {
            keys[tenant] = await PlatformApi.CreateTenantAsync(http, platform.AdminKey, tenant, trusted: tenant == "bench-container");
        }

        var cold = new ColdStart(http, platform);
        var totals = kinds.ToDictionary(k => k.Tenant, _ => new List<double>());
        var phases = kinds.ToDictionary(k => k.Tenant, _ => new List<Dictionary<string, double>>());
        // Round 0 warms the platform's own code paths (JIT, connection pools) and is not counted.
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var (tenant, _) in kinds)
            {
                var (ms, phase) = await cold.OnceAsync(keys[tenant], tenant, $"r{round}", new { memoryMiB = 128 }, bundle, "cgi-bin/echo/cold");
                if (round > 0)
                {
                    totals[tenant].Add(ms);
                    phases[tenant].Add(phase);
                }
            }
        }

        Console.WriteLine($"cold start of the echo sample through the gateway, {rounds} rounds, ms");
        Console.WriteLine(ColdStart.Header("variant"));
        foreach (var (tenant, label) in kinds)
        {
            Console.WriteLine(ColdStart.Row(label, totals[tenant], phases[tenant]));
        }

        Directory.Delete(work, recursive: true);
    }
}
