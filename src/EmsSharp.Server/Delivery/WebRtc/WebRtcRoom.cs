using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery.Ers;
using EmsSharp.Server.Events;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// One WebRTC service at run time: its <see cref="ErsClient"/> in the room and a <see cref="ViewerSession"/> per
/// browser. Maps the client's status onto <see cref="WebRtcService.SetStatus"/>; <c>clientJoined</c> creates a
/// viewer, <c>message</c> goes to that viewer, <c>remove</c> closes it. While joined it sends the ems's <c>emsLoad</c>
/// reports (right after the join's ack, then each one the <see cref="EmsLoadReporter"/> makes). Disposing leaves the room and closes all.
/// </summary>
internal sealed partial class WebRtcRoom : IViewerRoom, IAsyncDisposable
{
    private static readonly TimeSpan RelayConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly WebRtcService _service;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ViewerSessions<ViewerSession> _viewers;
    private readonly EmsLoadReporter _load;
    private Task<TurnRelay?>? _relay;
    private string? _refusal; // the ERS's reason while keepAlive retries a refused room

    public WebRtcRoom(WebRtcService service, ErsClient client, ViewerResources resources, EmsLoadReporter load)
    {
        _service = service;
        Client = client;
        Resources = resources;
        _logger = resources.LoggerFactory.CreateLogger<WebRtcRoom>();
        _viewers = new ViewerSessions<ViewerSession>(static viewer => viewer, CloseAsync);
        client.StatusChanged += OnStatusChanged;
        client.ClientJoined += OnClientJoined;
        client.MessageReceived += OnMessageReceived;
        client.PeerRemoved += OnPeerRemoved;
        _load = load;
        load.Reported += OnLoadReported;
    }

    public WebRtcServiceConfiguration Configuration => _service.Configuration;

    public ErsClient Client { get; }

    public ViewerResources Resources { get; }

    public string RoomId => Configuration.RoomId;

    public long? ConfigId => Configuration.ConfigId;

    /// <summary>The ERS's <c>stunservers</c>, then its <c>turnservers</c> (a TURN server over UDP answers Binding requests too).</summary>
    public IEnumerable<JsonElement> IceServers => Client.StunServers.Concat(Client.TurnServers);

    /// <summary>
    /// The room's TURN relay over TCP or TLS on the ERS's relay (one allocation for all its viewers, like the UDP port),
    /// made at the first call and again after it ended; null when the ERS hands out no stream TURN server or none
    /// allocates. For a server whose network lets only TCP out (RFC 8656 over TCP, §3.1).
    /// </summary>
    public Task<TurnRelay?> GetRelayAsync()
    {
        lock (_gate)
        {
            if (_viewers.IsClosed)
                return Task.FromResult<TurnRelay?>(null);
            if (_relay is null || (_relay.IsCompleted && _relay.Result is not { IsAlive: true }))
                _relay = ConnectRelayAsync();
            return _relay;
        }
    }

    /// <summary>A snapshot of the viewers.</summary>
    public ViewerSession[] GetViewers() => _viewers.Snapshot();

    /// <summary>Raises a peer event with the room and viewer in its payload.</summary>
    public void Publish(string type, ViewerSession viewer, string? reason)
    {
        var payload = new JsonObject
        {
            ["configId"] = Configuration.ConfigId,
            ["ersIp"] = Configuration.ErsIp,
            ["ersPort"] = Configuration.ErsPort,
            ["roomId"] = Configuration.RoomId,
            ["peerId"] = viewer.PeerId,
            ["streamName"] = viewer.StreamName,
            ["transport"] = viewer.Transport,
        };
        if (reason is not null)
            payload["reason"] = reason;
        Resources.Events.Publish(type, payload);
    }

    /// <summary>A <c>message</c> to the viewer's browser through the ERS (PROTOCOL.md §3.2), with the session's <c>sid</c>.</summary>
    public Task<bool> SendAsync(ViewerSession viewer, string type, JsonObject payload, CancellationToken token) =>
        Client.SendMessageAsync(new JsonObject
        {
            ["to"] = viewer.PeerId,
            ["sid"] = viewer.SessionId,
            ["roomType"] = "video",
            ["type"] = type,
            ["payload"] = payload,
            ["prefix"] = "webkit",
        }, token);

    /// <summary>Closes a viewer in the background (safe from the viewer's own callbacks).</summary>
    public void Remove(ViewerSession viewer) => _viewers.TryRemove(viewer, out _);

    public async ValueTask DisposeAsync()
    {
        Client.StatusChanged -= OnStatusChanged;
        Client.ClientJoined -= OnClientJoined;
        Client.MessageReceived -= OnMessageReceived;
        Client.PeerRemoved -= OnPeerRemoved;
        _load.Reported -= OnLoadReported;
        await Client.DisposeAsync().ConfigureAwait(false);
        await _viewers.CloseAllAsync().ConfigureAwait(false); // from its start, GetRelayAsync makes no relay
        Task<TurnRelay?>? relay;
        lock (_gate)
            relay = _relay;
        if (relay is not null && await relay.ConfigureAwait(false) is { } allocated)
            await allocated.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<TurnRelay?> ConnectRelayAsync()
    {
        foreach (var entry in Client.TurnServers)
        {
            if (IceServerUrl.TryParseTurnStream(entry, Client.Options.AllowUntrustedCertificate) is not { } options)
                continue;
            using var timeout = new CancellationTokenSource(RelayConnectTimeout, Resources.Time);
            try
            {
                return await TurnRelay.ConnectAsync(options, Resources.Port.Driver, Resources.Time, Resources.LoggerFactory.CreateLogger<TurnRelay>(), timeout.Token)
                    .ConfigureAwait(false);
            }
            catch (TurnRelayException e)
            {
                LogRelayFailed(_logger, Configuration.RoomId, e.Message);
            }
            catch (OperationCanceledException)
            {
                LogRelayFailed(_logger, Configuration.RoomId, $"the TURN server {options.Host}:{options.Port} did not allocate within {RelayConnectTimeout.TotalSeconds:0} s");
            }
        }

        return null;
    }

    private async Task CloseAsync(ViewerSession viewer)
    {
        await viewer.DisposeAsync().ConfigureAwait(false);
        Publish(EventTypes.WebRtcPeerDisconnected, viewer, null);
        LogViewerClosed(_logger, Configuration.RoomId, viewer.PeerId);
    }

    private void OnStatusChanged(object? sender, ErsStatusChangedEventArgs e)
    {
        var ers = Client.CurrentAddress.ToString();
        switch (e.Status)
        {
            case ErsClientStatus.Joined:
                _refusal = null;
                _service.SetStatus(WebRtcServiceStatusCode.Connected, $"joined room {Configuration.RoomId} on ERS {ers}");
                _ = Client.SendLoadAsync(_load.Current); // the ERS weighs this ems from its first report on
                break;
            case ErsClientStatus.Refused:
                _refusal = e.Description;
                _service.SetStatus(WebRtcServiceStatusCode.Refused, e.Description);
                LogRefused(_logger, Configuration.RoomId, ers, e.Description);
                Resources.Events.Publish(EventTypes.WebRtcPeerError, new JsonObject
                {
                    ["configId"] = Configuration.ConfigId,
                    ["ersIp"] = Configuration.ErsIp,
                    ["ersPort"] = Configuration.ErsPort,
                    ["roomId"] = Configuration.RoomId,
                    ["reason"] = e.Description,
                });
                break;
            case ErsClientStatus.Connecting:
            case ErsClientStatus.Reconnecting:
                // A refused room stays Refused (with the ERS's reason) while keepAlive retries it (PROTOCOL.md §1.5).
                if (_refusal is { } reason)
                    _service.SetStatus(WebRtcServiceStatusCode.Refused, $"{reason}; {e.Description}");
                else
                    _service.SetStatus(WebRtcServiceStatusCode.Connecting, e.Description);
                break;
            case ErsClientStatus.Disconnected:
                _refusal = null;
                _service.SetStatus(WebRtcServiceStatusCode.Disconnected, e.Description);
                break;
            case ErsClientStatus.Idle:
            case ErsClientStatus.Stopped:
                break;
            default:
                throw new InvalidOperationException("Unknown ERS client status.");
        }
    }

    private void OnClientJoined(object? sender, ErsClientJoinedEventArgs e)
    {
        var viewer = new ViewerSession(this, e.Id, e.StreamName, e.Transport.Length == 0 ? "fmp4" : e.Transport, e.Offers,
            Resources.LoggerFactory.CreateLogger<ViewerSession>());
        if (!_viewers.TryAdd(viewer))
            return;
        LogViewerJoined(_logger, Configuration.RoomId, e.Id, e.StreamName, viewer.Transport);
        viewer.Start();
    }

    private void OnLoadReported(JsonElement load) => _ = Client.SendLoadAsync(load);

    private void OnMessageReceived(object? sender, ErsMessageEventArgs e)
    {
        _viewers.Find(e.From)?.HandleMessage(e.Type, e.Payload);
    }

    private void OnPeerRemoved(object? sender, ErsPeerRemovedEventArgs e)
    {
        if (_viewers.Find(e.Id) is { } viewer)
            Remove(viewer);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {Room}: browser {PeerId} joined for stream {Stream} over {Transport}")]
    private static partial void LogViewerJoined(ILogger logger, string room, string peerId, string stream, string transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {Room}: viewer {PeerId} closed")]
    private static partial void LogViewerClosed(ILogger logger, string room, string peerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: no TURN relay over TCP/TLS: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room} refused by ERS {Ers}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string room, string ers, string reason);
}
