using Platform.Runtime.Cli;

// This binary is also every container's init: that path must run before anything else.
if (Platform.Runtime.Linux.ContainerInit.TryRun(out var exitCode))
    return exitCode;
return await CliApp.RunAsync(args);
