using Microsoft.Extensions.Options;
using Platform.NodeAgent.Logs;
using Platform.NodeAgent.Native;

namespace Platform.NodeAgent.Tests;

public sealed class LogPumpTests
{
    [Fact]
    public async Task Lines_written_by_the_container_reach_the_store_and_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("h5-logpump-");
        try
        {
            var store = new InstanceLogStore(Options.Create(new NodeAgentOptions()));
            var function = Guid.NewGuid();
            var instance = Guid.NewGuid();
            var (reader, writerHandle) = OutputChannel.Create();
            var file = Path.Combine(dir.FullName, "stdout.log");
            var pump = LogPump.RunAsync(reader, file, function, instance, "stdout", store, TimeProvider.System);

            await using (var writer = new FileStream(writerHandle, FileAccess.Write, 1))
            {
                await writer.WriteAsync("hello\r\nwor"u8.ToArray(), TestContext.Current.CancellationToken);
                await writer.FlushAsync(TestContext.Current.CancellationToken);
                await writer.WriteAsync("ld\nno newline at end"u8.ToArray(), TestContext.Current.CancellationToken);
            }

            await pump.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            var lines = new List<string>();
            await foreach (var line in store.ReadAsync(function, 10, follow: false, TestContext.Current.CancellationToken))
            {
                Assert.Equal((instance, "stdout"), (line!.InstanceId, line.Stream));
                lines.Add(line.Text);
            }

            Assert.Equal(["hello", "world", "no newline at end"], lines);
            Assert.Equal("hello\r\nworld\nno newline at end\n", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
