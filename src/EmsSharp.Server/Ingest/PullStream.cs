using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One running pull: runs the client until it ends and, with keepAlive, starts it again one second later
/// (forever, until stopped). Without keepAlive it runs once.
/// </summary>
internal sealed class PullStream(PullStreamConfiguration configuration, Uri uri, StreamHub hub, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DataTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public PullStreamConfiguration Configuration { get; } = configuration;

    /// <summary>Completes when the pull has ended for good (stopped, or failed without keepAlive).</summary>
    public Task Completion => _run;

    public void Start() => _run = RunAsync();

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var client = new RtspPullClient(uri, Configuration.LocalStreamName, Configuration.ForceTcp, hub, time, DataTimeout);
            IngestLog.PullStarted(logger, Configuration.ConfigId, Configuration.Uri, Configuration.LocalStreamName);
            try
            {
                await client.RunAsync(token).ConfigureAwait(false);
                IngestLog.PullFailed(logger, Configuration.ConfigId, Configuration.Uri, "session ended");
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (IOException e)
            {
                IngestLog.PullFailed(logger, Configuration.ConfigId, Configuration.Uri, e.Message);
            }

            if (!Configuration.KeepAlive)
            {
                return;
            }

            try
            {
                await Task.Delay(RetryDelay, time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
