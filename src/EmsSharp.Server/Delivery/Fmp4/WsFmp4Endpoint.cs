using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Protocols.Net;
using EmsSharp.Server.Api;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// WS-FMP4 (PROTOCOL.md §4.2): <c>ws://&lt;ems&gt;:8410/&lt;stream name&gt;</c> (any query, such as
/// <c>?progressive&amp;adaptive</c>, is tolerated) streams the §4.2 packets of the stream as binary messages,
/// one init packet or one whole fragment per message, from the stream's shared <see cref="Fmp4StreamSource"/>.
/// A stream that is not live is awaited for <see cref="WsFmp4Options.StreamWaitTimeout"/>, then the socket is
/// closed with 1008 (policy violation) and <c>stream not found: &lt;name&gt;</c>. The same endpoint answers
/// <c>wss://&lt;ems&gt;:8420/</c> when a certificate is configured. With <see cref="WsFmp4Options.ReadKeys"/> a viewer
/// names its key in the query (<c>/cam1?key=SECRET</c>) and is refused before the upgrade without the right one.
/// The name may be a stream alias (<see cref="StreamAliases"/>): the viewer then gets, and needs the key of, its stream.
/// </summary>
internal sealed partial class WsFmp4Endpoint(
    Fmp4SourceManager sources,
    OutboundStreamRegistry outputs,
    StreamAliases aliases,
    IOptions<WsFmp4Options> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<WsFmp4Endpoint> logger)
{
    /// <summary>The top layer of a WS-FMP4 connection in <c>listConnections</c> (EvoStream's tag for its WebSocket fMP4 protocol).</summary>
    internal const string ProtocolTag = "IWSFMP4";

    private const int MaxCloseReasonBytes = 123; // RFC 6455 §5.5: control frame payload ≤ 125, 2 for the code
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly AddressSlots _viewersPerAddress = new(options.Value.MaxViewersPerAddress);

    // Refusals (keys, per-address cap) cost one log line per LogThrottle.Interval, so a flood of bad keys is no flood of lines.
    private readonly LogThrottle _refusals = new(time);
    private ListenOptions? _listen;
    private ListenOptions? _secureListen;

    /// <summary>The bound listener endpoint once the host started (the real port when configured as 0), else null.</summary>
    public IPEndPoint? BoundEndPoint => Bound(_listen);

    /// <summary>The bound <c>wss://</c> listener endpoint once the host started, else null (also when not configured).</summary>
    public IPEndPoint? SecureBoundEndPoint => Bound(_secureListen);

    internal void Attach(ListenOptions listen) => _listen = listen;

    internal void AttachSecure(ListenOptions listen) => _secureListen = listen;

    /// <summary>True when <paramref name="port"/> is one of this endpoint's bound listeners (ws or wss).</summary>
    internal bool IsListenerPort(int port) => BoundEndPoint?.Port == port || SecureBoundEndPoint?.Port == port;

    internal bool IsWsFmp4Request(HttpContext context) => IsListenerPort(context.Connection.LocalPort);

    private static IPEndPoint? Bound(ListenOptions? listen) => listen?.IPEndPoint is { Port: > 0 } bound ? bound : null;

    /// <summary>Serves one WebSocket viewer until the stream ends, the viewer leaves or the server stops.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var name = (context.Request.Path.Value ?? string.Empty).TrimStart('/');
        if (name.Length == 0 || name.Length > options.Value.MaxStreamNameLength)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // An alias (addStreamAlias) names another stream: the read key that counts is that stream's, and a one-shot
        // alias is consumed only once the viewer is admitted, so a refused viewer does not use it up.
        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        var alias = aliases.TryPeek(name, out var found) ? found : null;
        if (!IsAdmitted(context, alias?.LocalStreamName ?? name, address))
        {
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        if (!_viewersPerAddress.TryTake(address, out _))
        {
            if (_refusals.TryEnter(out var refusals))
            {
                LogTooManyViewers(logger, address, options.Value.MaxViewersPerAddress, refusals);
            }

            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }

        using var slot = new ViewerSlot(this, address);
        if (alias is not null)
        {
            if (!aliases.TryUse(alias, "WS-FMP4 viewer from " + address))
            {
                // Consumed by another viewer (or removed) since the key check: its key was checked for the alias's
                // stream, not for a stream of this name, so nothing is served.
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            name = alias.LocalStreamName;
        }

        await ServeAsync(context, name, slot).ConfigureAwait(false);
    }

    // Read keys (ours; EvoStream served anyone): decided before the upgrade, so a refused viewer costs no WebSocket
    // and no slot. RFC 9110 §15.5.2: 401 when no key was given, §15.5.4: 403 when the one given (or none) can never do.
    private bool IsAdmitted(HttpContext context, string name, IPAddress address)
    {
        var query = context.Request.QueryString.Value ?? string.Empty;
        var check = StreamKeys.Check(options.Value.ReadKeys, name, query.TrimStart('?'));
        if (check == KeyCheck.Admitted)
        {
            return true;
        }

        var (status, reason) = check switch
        {
            KeyCheck.KeyMissing => (StatusCodes.Status401Unauthorized, "a read key is required (?key=...)"),
            KeyCheck.WrongKey => (StatusCodes.Status403Forbidden, "wrong read key"),
            _ => (StatusCodes.Status403Forbidden, "no read key is configured for this stream"), // KeyCheck.NoKeyForName
        };
        if (_refusals.TryEnter(out var refusals))
        {
            LogRefused(logger, address, CommandParser.Shorten(name), reason, refusals);
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Key realm=\"WS-FMP4\""; // RFC 9110 §11.6.1: a 401 names its scheme
        }

        return false;
    }

    private async Task ServeAsync(HttpContext context, string name, ViewerSlot slot)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);

        // A viewer ends with its connection or with the server, so a shutdown never waits on open sockets.
        using var viewerEnds = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = viewerEnds.Token;
        Fmp4Subscription? subscription;
        try
        {
            subscription = await sources.SubscribeAsync(name, options.Value.StreamWaitTimeout, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // the viewer left (or the server stopped) while waiting
        }

        var remote = context.Connection.RemoteIpAddress;
        if (subscription is null)
        {
            LogStreamNotFound(logger, name, remote);
            await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, "stream not found: " + name).ConfigureAwait(false);
            return;
        }

        using (subscription)
        {
            await ServeAsync(socket, subscription, name, context.Connection, context.Features.Get<Connection>(), slot, aborted).ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(
        WebSocket socket, Fmp4Subscription subscription, string name, ConnectionInfo connection, Connection? listed, ViewerSlot slot,
        CancellationToken aborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var counters = new ViewerTrafficCounters();
        var output = outputs.Open(new OutboundStreamSpec(subscription.Stream, OutboundStream.Fmp4Tag, null, counters,
            () => (Endpoint(connection.LocalIpAddress, connection.LocalPort), Endpoint(connection.RemoteIpAddress, connection.RemotePort)),
            () => Extra(connection), () => CancelQuietly(stop)));
        var id = output.Id;
        listed?.AttachStream(id);
        LogViewerJoined(logger, id, name, connection.RemoteIpAddress);
        // Whatever ends the viewer, it leaves the list of outputs (with outStreamClosed) exactly once.
        try
        {
            var receive = ReceiveUntilCloseAsync(socket, stop);
            var ended = false;
            try
            {
                while (await subscription.WaitToReadAsync(stop.Token).ConfigureAwait(false))
                {
                    while (subscription.TryReadPacket(out var packet))
                    {
                        await socket.SendAsync(packet.Bytes, WebSocketMessageType.Binary, endOfMessage: true, stop.Token).ConfigureAwait(false);
                        counters.AddPacket(packet.Bytes.Length);
                        counters.SetDroppedFrames(subscription.DroppedFragments);
                        if (packet.ArrivalTimestamp >= subscription.SubscribedAt)
                        {
                            sources.Stats.Fmp4.RecordSince(packet.ArrivalTimestamp);
                        }
                    }
                }

                ended = true;
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
            {
                // the viewer left or the server is stopping
            }

            var stopping = lifetime.ApplicationStopping.IsCancellationRequested;
            await CloseAfterServingAsync(socket, ended || stopping,
                stopping ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.NormalClosure,
                stopping ? "server stopping" : "stream ended", receive).ConfigureAwait(false);
            if (socket.State != WebSocketState.Closed)
            {
                socket.Abort(); // ends the pending receive
            }

            await receive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            slot.Dispose(); // free before telling anyone the viewer left: whoever reacts to outStreamClosed finds the slot free
            outputs.Close(output, new JsonObject
            {
                ["droppedFragments"] = subscription.DroppedFragments,
                ["deliveredPackets"] = subscription.DeliveredPackets,
            });
        }

        LogViewerLeft(logger, id, name, subscription.DeliveredPackets, subscription.DroppedFragments, subscription.KeyframeSkips);
    }

    // Reads (and discards) what the viewer sends until its close frame or an error; then stops the sender.
    // Not cancellable: cancelling a pending receive would abort the socket before our close frame goes out.
    private static async Task ReceiveUntilCloseAsync(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // aborted
        }

        await stop.CancelAsync().ConfigureAwait(false);
    }

    // RFC 6455 §7.1.2: the stream ended (or the server stops), so we start the closing handshake and give the
    // viewer a moment to answer; a viewer that closed first gets its close echoed.
    private static async Task CloseAfterServingAsync(
        WebSocket socket, bool ended, WebSocketCloseStatus status, string reason, Task receive)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            if (ended && socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
                await receive.WaitAsync(timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else if (socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // gone already
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await socket.CloseAsync(status, Truncate(reason), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // the viewer did not answer the close; the connection is dropped
        }
    }

    private static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes)
        {
            return reason;
        }

        var length = reason.Length;
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxCloseReasonBytes - 3)
        {
            length--;
        }

        return string.Concat(reason.AsSpan(0, length), "...");
    }

    // Our members of a WS-FMP4 viewer's stream object (and its events), beside EvoStream's.
    private static JsonObject Extra(ConnectionInfo connection) => new()
    {
        ["protocol"] = "wsfmp4",
        ["remoteIp"] = connection.RemoteIpAddress?.ToString() ?? string.Empty,
        ["remotePort"] = connection.RemotePort,
    };

    private static IPEndPoint? Endpoint(IPAddress? address, int port) => address is null ? null : new IPEndPoint(address, port);

    // shutdownStream may find the viewer in the list just as it leaves, after its token source was disposed.
    private static void CancelQuietly(CancellationTokenSource stop)
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the viewer is gone already
        }
    }

    [LoggerMessage(1, LogLevel.Information, "WS-FMP4 viewer {ViewerId} of {StreamName} from {Remote} joined")]
    private static partial void LogViewerJoined(ILogger logger, long viewerId, string streamName, IPAddress? remote);

    [LoggerMessage(2, LogLevel.Information,
        "WS-FMP4 viewer {ViewerId} of {StreamName} left ({Delivered} packets sent, {Dropped} fragments dropped, {Skips} keyframe skips)")]
    private static partial void LogViewerLeft(ILogger logger, long viewerId, string streamName, long delivered, long dropped, long skips);

    [LoggerMessage(3, LogLevel.Warning, "WS-FMP4 viewer from {Remote} closed: stream not found: {StreamName}")]
    private static partial void LogStreamNotFound(ILogger logger, string streamName, IPAddress? remote);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "WS-FMP4 viewer from {Remote} refused: {Max} viewers from this address already ({Refusals} refusals since the last such line)")]
    private static partial void LogTooManyViewers(ILogger logger, IPAddress remote, int max, long refusals);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "WS-FMP4 viewer from {Remote} refused for {StreamName}: {Reason} ({Refusals} refusals since the last such line)")]
    private static partial void LogRefused(ILogger logger, IPAddress remote, string streamName, string reason, long refusals);

    /// <summary>A viewer's place in its address's share, freed once (by the end of serving, or by any earlier exit).</summary>
    private sealed class ViewerSlot(WsFmp4Endpoint endpoint, IPAddress address) : IDisposable
    {
        private int _freed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _freed, 1) == 0)
            {
                endpoint._viewersPerAddress.Release(address);
            }
        }
    }
}
