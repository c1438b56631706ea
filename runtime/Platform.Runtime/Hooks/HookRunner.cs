using OsProcess = System.Diagnostics.Process;
using ProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using System.Text.Json;
using Platform.Runtime.Spec;
using Platform.Runtime.State;

namespace Platform.Runtime.Hooks;

/// <summary>
/// Runs hooks on the host (runtime namespace): path, args and env exactly as given, the state JSON on stdin,
/// killed when its timeout passes. A failing hook's output is put into the error so the user sees why.
/// </summary>
internal sealed class HookRunner : IHookRunner
{
    private const int MaxOutputInError = 2048;

    public async Task RunAsync(string stage, IReadOnlyList<Hook>? hooks, ContainerState state, CancellationToken cancellationToken)
    {
        if (hooks is not { Count: > 0 })
            return;
        var stateJson = Compact(state);
        for (var i = 0; i < hooks.Count; i++)
            await RunOneAsync($"{stage}[{i}]", hooks[i], stateJson, cancellationToken);
    }

    /// <summary>One line of JSON, so hooks can read the state with a line-oriented reader.</summary>
    private static byte[] Compact(ContainerState state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
            JsonSerializer.Serialize(writer, state, StateJsonContext.Default.ContainerState);
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task RunOneAsync(string name, Hook hook, byte[] stateJson, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(hook.Path!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // args[0] is argv[0] by the spec; .NET always passes the path there, so the rest follow it.
        foreach (var arg in hook.Args?.Skip(1) ?? [])
            startInfo.ArgumentList.Add(arg);
        startInfo.Environment.Clear();
        foreach (var entry in hook.Env ?? [])
        {
            var eq = entry.IndexOf('=');
            if (eq > 0)
                startInfo.Environment[entry[..eq]] = entry[(eq + 1)..];
        }

        using var process = new OsProcess { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new RuntimeException($"hook {name} ({hook.Path}): cannot run it: {e.Message}", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(stateJson, cancellationToken);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The hook need not read its stdin; it may exit before we finish writing.
        }

        using var timeout = hook.Timeout is { } seconds ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds)) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (timeout.IsCancellationRequested)
                throw new RuntimeException($"hook {name} ({hook.Path}): timed out after {hook.Timeout} s and was killed");
            throw;
        }

        var output = (await stderr + await stdout).Trim();
        if (process.ExitCode != 0)
        {
            if (output.Length > MaxOutputInError)
                output = output[^MaxOutputInError..];
            throw new RuntimeException($"hook {name} ({hook.Path}): exited with status {process.ExitCode}{(output.Length > 0 ? $": {output}" : "")}");
        }
    }
}
