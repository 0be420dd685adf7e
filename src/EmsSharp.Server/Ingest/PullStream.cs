using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One running pull: runs the client until it ends and, with keepAlive, starts it again <see cref="KeepAliveRetry.Delay"/> later
/// (forever, until stopped). Without keepAlive it runs once.
/// </summary>
internal sealed class PullStream(
    PullStreamConfiguration configuration, Uri uri, StreamHub hub, TimeProvider time, ILogger logger, ConnectionRegistry connections)
    : IConfiguredItem
{
    private static readonly TimeSpan DataTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _redacted = new UriBuilder(uri) { UserName = "", Password = "" }.Uri.AbsoluteUri; // no password in logs
    private readonly ConfigStatusHolder _status = new(ConfigStatusCode.Connecting, time);
    private Task _run = Task.CompletedTask;

    public PullStreamConfiguration Configuration { get; } = configuration;

    public long ConfigId => Configuration.ConfigId;

    public bool KeepAlive => Configuration.KeepAlive;

    /// <summary>Completes when the pull has ended for good (stopped, or failed without keepAlive).</summary>
    public Task Completion => _run;

    public void Start()
    {
        hub.StreamCreated += OnStreamCreated;
        _run = RunAsync();
    }

    public async Task StopAsync()
    {
        hub.StreamCreated -= OnStreamCreated;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>
    /// EvoStream's <c>status</c> of the configuration: <c>{current, previous}</c>, each <c>{code, description, timestamp
    /// (unix s), uniqueStreamId}</c> (the live stream's uniqueId, or 0); <c>previous</c> is null before the first change.
    /// </summary>
    public JsonObject StatusToJson() => _status.ToJson();

    // A connected attempt's entry in the connection list (layers TCP and the client's tag, OR or RTSP), with this pull's
    // pullSettings; the client disposes it when the attempt ends.
    private Connection OpenConnection(Socket socket, string stackTag)
    {
        var spec = ConnectionSpec.ForSocket(
            ConnectionCarrier.Tcp, socket.LocalEndPoint as IPEndPoint, socket.RemoteEndPoint as IPEndPoint, true, "TCP", stackTag);
        return connections.Open(spec with { Settings = ("pullSettings", Configuration.ToJson) });
    }

    private void OnStreamCreated(LiveStream stream)
    {
        if (string.Equals(stream.Name, Configuration.LocalStreamName, StringComparison.Ordinal))
        {
            _status.Set(ConfigStatusCode.Streaming, stream.Id);
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        var token = _stop.Token;
        var attempts = 0;
        while (!token.IsCancellationRequested)
        {
            IngestLog.PullStarted(logger, Configuration.ConfigId, _redacted, Configuration.LocalStreamName);
            if (attempts++ > 0)
            {
                _status.Set(ConfigStatusCode.Connecting); // the first attempt starts in the initial status
            }

            try
            {
                var run = uri.Scheme.Equals("rtmp", StringComparison.OrdinalIgnoreCase)
                    ? new RtmpPullClient(uri, Configuration.LocalStreamName, hub, time, DataTimeout, OpenConnection).RunAsync(token)
                    : new RtspPullClient(uri, Configuration.LocalStreamName, Configuration.ForceTcp, hub, time, DataTimeout, OpenConnection)
                        .RunAsync(token);
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

            _status.SetEnded();
            if (!Configuration.KeepAlive)
            {
                return;
            }

            if (!await KeepAliveRetry.WaitAsync(time, token).ConfigureAwait(false))
            {
                return;
            }
        }
    }
}
