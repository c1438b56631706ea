using Platform.Runtime.Bench;

return await LifecycleBenchmark.RunAsync(args);
