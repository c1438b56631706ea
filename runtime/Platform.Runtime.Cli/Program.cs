using Platform.Runtime.Cli;
using Platform.Runtime.VmBackend;

// This binary is also every container's init, every microVM's VMM process and, as /init of a microVM, its
// guest agent: those paths must run before anything else.
if (Platform.Runtime.Linux.ContainerInit.TryRun(out var exitCode))
{
    return exitCode;
}

if (VmmProcess.IsVmm)
{
    return await VmmProcess.RunAsync();
}

if (GuestAgent.IsGuestAgent)
{
    return await GuestAgent.RunAsync();
}

return await CliApp.RunAsync(args);
