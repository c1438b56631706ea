using Platform.NodeAgent.Networking;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// Waits until a new instance answers HTTP on its port (any status counts: the function is serving), through
/// the same connector invocations use, so "running" means reachable the way invocations will reach it. Attempts
/// follow <see cref="ProbeBackoff"/>: the first retry comes 1 ms after a refused connect.
/// </summary>
internal sealed class ReadinessProbe(LocalInstanceConnector connector, TimeProvider time)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    public async Task WaitReadyAsync(LocalInstance instance, Task<int> exited, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, ct) => connector.ConnectAsync(instance.Id, ct),
            PooledConnectionLifetime = TimeSpan.Zero,
            UseProxy = false,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var url = new Uri($"http://127.0.0.1:{instance.Port}/");
        var backoff = new ProbeBackoff();

        while (true)
        {
            if (exited.IsCompleted)
            {
                throw new InstanceStartException($"the process exited with status {await exited} before answering HTTP on port {instance.Port}");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                attempt.CancelAfter(AttemptTimeout);
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (deadline.IsCancellationRequested)
                {
                    throw new InstanceStartException($"no HTTP answer on port {instance.Port} within {timeout.TotalSeconds:0} s");
                }
            }

            await Task.WhenAny(exited, Task.Delay(backoff.Next(), time, deadline.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        }
    }
}
