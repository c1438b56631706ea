using System.CommandLine;
using System.Runtime.InteropServices;

namespace Platform.Runtime.Cli.Commands;

/// <summary>create + start; in the foreground it also waits, forwards signals, deletes and exits with the container's status.</summary>
internal static class RunCommand
{
    /// <summary>Signals a user sends to `run` that belong to the container (runc forwards them the same way).</summary>
    private static readonly (PosixSignal Signal, int Number)[] Forwarded =
    [
        (PosixSignal.SIGHUP, 1), (PosixSignal.SIGINT, 2), (PosixSignal.SIGQUIT, 3), (PosixSignal.SIGTERM, 15),
        ((PosixSignal)10, 10), ((PosixSignal)12, 12),
    ];

    public static Command Create()
    {
        var id = CommonOptions.Id();
        var bundle = CommonOptions.Bundle();
        var pidFile = CommonOptions.PidFile();
        var consoleSocket = CommonOptions.ConsoleSocket();
        var detach = new Option<bool>("--detach", "-d") { Description = "return once the container runs" };
        var keep = new Option<bool>("--keep") { Description = "do not delete the container after it exits" };
        var command = new Command("run", "create and start a container")
        {
            id, bundle, pidFile, consoleSocket, detach, keep, CommonOptions.PreserveFds(),
        };
        foreach (var option in CommonOptions.Accepted())
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async cli =>
        {
            var containerId = parse.GetRequiredValue(id);
            var runtime = cli.Runtime;
            await runtime.CreateAsync(containerId, parse.GetRequiredValue(bundle),
                CommonOptions.CreateOptions(parse.GetValue(pidFile), parse.GetValue(consoleSocket)), ct);
            if (parse.GetValue(detach))
            {
                await StartOrDeleteAsync(runtime, containerId, ct);
                return 0;
            }

            var registrations = Forwarded.Select(s => PosixSignalRegistration.Create(s.Signal, context =>
            {
                context.Cancel = true;
                Forward(runtime, containerId, s.Number, cli.Log);
            })).ToList();
            try
            {
                await StartOrDeleteAsync(runtime, containerId, ct);
                var status = await runtime.WaitAsync(containerId, ct);
                if (!parse.GetValue(keep))
                {
                    await runtime.DeleteAsync(containerId, force: true, CancellationToken.None);
                }

                return status < 0 ? 1 : status;
            }
            finally
            {
                registrations.ForEach(r => r.Dispose());
            }
        }));
        return command;
    }

    /// <summary>A container that cannot be started is deleted, so a failed `run` leaves nothing behind.</summary>
    private static async Task StartOrDeleteAsync(ContainerRuntime runtime, string id, CancellationToken ct)
    {
        try
        {
            await runtime.StartAsync(id, ct);
        }
        catch
        {
            await runtime.DeleteAsync(id, force: true, CancellationToken.None);
            throw;
        }
    }

    private static void Forward(ContainerRuntime runtime, string id, int signal, CliLog log)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await runtime.KillAsync(id, signal);
            }
            catch (RuntimeException e) when (e.Kind == RuntimeErrorKind.AlreadyStopped)
            {
                // It exited meanwhile: run reports its status, a warning would only be noise.
            }
            catch (RuntimeException e)
            {
                log.Warning($"forwarding signal {signal}: {e.Message}");
            }
        });
    }
}
