using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One running push: waits for its local stream to be live, pushes it (<see cref="RtmpPushClient"/> or
/// <see cref="RtspPushClient"/>, by the target's scheme) until the stream
/// ends or the target fails, and starts over. With keepAlive a failure is retried after <see cref="KeepAliveRetry.Delay"/>
/// (as pulls are), forever, until removed; a failure is logged once per distinct reason, and the recovery once. Without
/// keepAlive the first failure or the stream's end ends it; <see cref="FirstOutcome"/> tells the command how the first
/// attempt went.
/// </summary>
internal sealed class PushStream(PushStreamConfiguration configuration, PushTarget target, PushStreamServices services, TimeProvider time, ILogger logger)
    : IConfiguredItem
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string?> _firstOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConfigStatusHolder _status = new(ConfigStatusCode.WaitingForStream, time);
    private Task _run = Task.CompletedTask;

    public PushStreamConfiguration Configuration { get; } = configuration;

    public long ConfigId => Configuration.ConfigId;

    public bool KeepAlive => Configuration.KeepAlive;

    /// <summary>Completes when the push has ended for good (removed, or ended without keepAlive).</summary>
    public Task Completion => _run;

    /// <summary>The first attempt's outcome: null once the target accepted the publish, else why it failed.</summary>
    public Task<string?> FirstOutcome => _firstOutcome.Task;

    public void Start() => _run = RunAsync();

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>EvoStream's <c>status</c> of the configuration (as a pull's): <c>{current, previous}</c>.</summary>
    public JsonObject StatusToJson() => _status.ToJson();

    private Connection OpenConnection(Socket socket)
    {
        var spec = ConnectionSpec.ForSocket(
            ConnectionCarrier.Tcp, socket.LocalEndPoint as IPEndPoint, socket.RemoteEndPoint as IPEndPoint, true, "TCP", "OR");
        return services.Connections.Open(spec with { Settings = ("pushSettings", Configuration.ToJson) });
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        var token = _stop.Token;
        string? lastFailure = null;
        var failures = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                _status.Set(ConfigStatusCode.WaitingForStream);
                var stream = await KeepAliveRetry.WaitForLiveStreamAsync(services.Hub, Configuration.LocalStreamName, time, token).ConfigureAwait(false);
                if (stream is null)
                {
                    return;
                }

                _status.Set(ConfigStatusCode.Connecting);
                IngestLog.PushStarted(logger, Configuration.ConfigId, Configuration.LocalStreamName, target.Redacted, Configuration.TargetStreamName);
                void Published(long id)
                {
                    _status.Set(ConfigStatusCode.Streaming, id);
                    _firstOutcome.TrySetResult(null);
                    IngestLog.PushPublishing(
                        logger, Configuration.ConfigId, Configuration.LocalStreamName, target.Redacted, Configuration.TargetStreamName, failures);
                    failures = 0;
                    lastFailure = null;
                }

                IPushClient client = target.IsRtsp
                    ? new RtspPushClient(Configuration, target, stream, time, services, OpenConnection, Published)
                    : new RtmpPushClient(Configuration, target, stream, time, services, OpenConnection, Published);
                string? failure = null;
                try
                {
                    await client.RunAsync(token).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    failure = e.Message;
                }

                var (sent, dropped, skipped) = client.Frames;
                if (failure is null)
                {
                    // The local stream ended: wait for it to come back (without keepAlive the push is over).
                    _status.Set(ConfigStatusCode.Disconnected);
                    IngestLog.PushStreamEnded(logger, Configuration.ConfigId, Configuration.LocalStreamName, sent, dropped, skipped);
                    _firstOutcome.TrySetResult($"stream {Configuration.LocalStreamName} ended");
                    if (!Configuration.KeepAlive)
                    {
                        return;
                    }

                    continue;
                }

                _status.Set(client.Published ? ConfigStatusCode.Disconnected : ConfigStatusCode.ConnectionFailed);
                _firstOutcome.TrySetResult(failure);
                failures++;
                if (!string.Equals(failure, lastFailure, StringComparison.Ordinal))
                {
                    // Once per distinct reason: a target that stays down does not fill the log every second.
                    IngestLog.PushFailed(logger, Configuration.ConfigId, target.Redacted, failure, Configuration.KeepAlive);
                    lastFailure = failure;
                }

                if (!Configuration.KeepAlive || !await KeepAliveRetry.WaitAsync(time, token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // removed
        }
        finally
        {
            _firstOutcome.TrySetResult("the push was removed");
        }
    }
}
