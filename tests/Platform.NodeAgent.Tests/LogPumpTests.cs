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
            var store = new InstanceLogStore(Options.Create(new NodeAgentOptions()), TimeProvider.System);
            var function = Guid.NewGuid();
            var instance = Guid.NewGuid();
            var (reader, writerHandle) = OutputFifo.Create(Path.Combine(dir.FullName, "stdout"));
            var file = Path.Combine(dir.FullName, "stdout.log");
            var pump = LogPump.RunAsync(reader, file, 1 << 20, function, instance, "stdout", store, TimeProvider.System);

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
            Assert.Matches(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z (hello\r|world|no newline at end)\n){3}$", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
            // What a restarted agent reads back for an adopted instance: the same lines, times and order.
            var reread = LogFile.ReadTail(file, instance, "stdout", 2);
            Assert.Equal(["world", "no newline at end"], reread.Select(l => l.Text));
            var stored = new List<Platform.Contracts.LogLine>();
            await foreach (var line in store.ReadAsync(function, 2, follow: false, TestContext.Current.CancellationToken))
            {
                stored.Add(line!);
            }
            Assert.Equal(stored.Select(l => l.At), reread.Select(l => l.At));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Idle_pumps_hold_no_thread_each_and_all_end_when_their_writers_go()
    {
        var dir = Directory.CreateTempSubdirectory("h5-logpump-");
        var writers = new List<FileStream>();
        try
        {
            const int Pumps = 400;
            var store = new InstanceLogStore(Options.Create(new NodeAgentOptions()), TimeProvider.System);
            var function = Guid.NewGuid();
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            int threadsBefore = process.Threads.Count;
            var pumps = new List<Task>();
            for (int i = 0; i < Pumps; i++)
            {
                var (reader, writerHandle) = OutputFifo.Create(Path.Combine(dir.FullName, $"out{i}"));
                writers.Add(new FileStream(writerHandle, FileAccess.Write, 1));
                pumps.Add(LogPump.RunAsync(reader, Path.Combine(dir.FullName, $"out{i}.log"), 1 << 20, function, Guid.NewGuid(), "stdout", store, TimeProvider.System));
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
            process.Refresh();
            // A thread per pump (a blocking read each) would be hundreds more; the pool may add a few of its own.
            Assert.InRange(process.Threads.Count - threadsBefore, int.MinValue, 20);
            Assert.DoesNotContain(pumps, p => p.IsCompleted);

            // Each still wakes for its own line, then ends at its writer's close.
            for (int i = 0; i < Pumps; i++)
            {
                await writers[i].WriteAsync(System.Text.Encoding.UTF8.GetBytes($"line {i}\n"), TestContext.Current.CancellationToken);
                await writers[i].DisposeAsync();
            }
            await Task.WhenAll(pumps).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            var lines = new List<string>();
            await foreach (var line in store.ReadAsync(function, Pumps, follow: false, TestContext.Current.CancellationToken))
            {
                lines.Add(line!.Text);
            }
            Assert.Equal(Enumerable.Range(0, Pumps).Select(i => $"line {i}").Order(), lines.Order());
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_chatty_instance_rotates_its_file_once_and_never_holds_more_than_twice_the_cap()
    {
        var dir = Directory.CreateTempSubdirectory("h5-logpump-");
        try
        {
            var store = new InstanceLogStore(Options.Create(new NodeAgentOptions()), TimeProvider.System);
            var (reader, writerHandle) = OutputFifo.Create(Path.Combine(dir.FullName, "stdout"));
            var file = Path.Combine(dir.FullName, "stdout.log");
            const int Cap = 4096;
            var pump = LogPump.RunAsync(reader, file, Cap, Guid.NewGuid(), Guid.NewGuid(), "stdout", store, TimeProvider.System);

            await using (var writer = new FileStream(writerHandle, FileAccess.Write, 1))
            {
                for (int i = 0; i < 1000; i++)
                {
                    await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"line {i:D4} of a function that never stops talking\n"), TestContext.Current.CancellationToken);
                }
            }

            await pump.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            Assert.Equal([Path.Combine(dir.FullName, "stdout"), file, file + ".1"], Directory.GetFiles(dir.FullName).Order());
            Assert.All([file, file + ".1"], f => Assert.InRange(new FileInfo(f).Length, 1, Cap));
            Assert.EndsWith("line 0999 of a function that never stops talking\n", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task When_its_reader_dies_the_writer_goes_on_and_a_new_reader_gets_what_was_written_meanwhile()
    {
        var dir = Directory.CreateTempSubdirectory("h5-logpump-");
        try
        {
            var ct = TestContext.Current.CancellationToken;
            var store = new InstanceLogStore(Options.Create(new NodeAgentOptions()), TimeProvider.System);
            var function = Guid.NewGuid();
            var fifo = Path.Combine(dir.FullName, "stdout");
            var (firstReader, writerHandle) = OutputFifo.Create(fifo);
            await using var writer = new FileStream(writerHandle, FileAccess.Write, 1);
            await writer.WriteAsync("before\n"u8.ToArray(), ct);
            await writer.FlushAsync(ct);
            var buffer = new byte[7];
            using (var first = new FileStream(firstReader, FileAccess.Read, 0))
            {
                Assert.Equal(7, await first.ReadAsync(buffer, ct));
            }

            // The agent that read it is gone (its read end closed): a write neither fails nor kills the writer.
            await writer.WriteAsync("while no agent ran\n"u8.ToArray(), ct);
            await writer.FlushAsync(ct);

            // The next agent opens the FIFO by path and pumps what waited in it, then what follows.
            var pump = LogPump.RunAsync(OutputFifo.OpenReader(fifo), Path.Combine(dir.FullName, "stdout.log"), 1 << 20, function, Guid.NewGuid(), "stdout", store, TimeProvider.System);
            await writer.WriteAsync("after\n"u8.ToArray(), ct);
            await writer.DisposeAsync();
            await pump.WaitAsync(TimeSpan.FromSeconds(30), ct);

            var lines = new List<string>();
            await foreach (var line in store.ReadAsync(function, 10, follow: false, ct))
            {
                lines.Add(line!.Text);
            }

            Assert.Equal(["while no agent ran", "after"], lines);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
