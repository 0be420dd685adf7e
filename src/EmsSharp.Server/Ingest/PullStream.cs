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
    private readonly string _redacted = new UriBuilder(uri) { UserName = "", Password = "" }.Uri.AbsoluteUri; // no password in logs
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
            IngestLog.PullStarted(logger, Configuration.ConfigId, _redacted, Configuration.LocalStreamName);
            try
            {
                var run = uri.Scheme.Equals("rtmp", StringComparison.OrdinalIgnoreCase)
                    ? new RtmpPullClient(uri, Configuration.LocalStreamName, hub, time, DataTimeout).RunAsync(token)
                    : new RtspPullClient(uri, Configuration.LocalStreamName, Configuration.ForceTcp, hub, time, DataTimeout).RunAsync(token);
                await run.ConfigureAwait(false);
                IngestLog.PullFailed(logger, Configuration.ConfigId, _redacted, "session ended");
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (IOException e)
            {
                IngestLog.PullFailed(logger, Configuration.ConfigId, _redacted, e.Message);
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
