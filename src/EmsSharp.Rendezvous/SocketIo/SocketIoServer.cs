using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.SocketIo;

/// <summary>
/// The HTTP side of socket.io rev 1 (socket.io-spec README, "Handshake" and "Transport"): the handshake
/// <c>GET|POST /socket.io/1/</c> and the websocket transport <c>/socket.io/1/websocket/&lt;sid&gt;</c>.
/// Only the websocket transport is offered.
/// </summary>
internal sealed class SocketIoServer(ErsState state, ILogger logger)
{
    private const string Prefix = "/socket.io/1";
    private const string WebSocketPrefix = "/socket.io/1/websocket/";

    /// <summary>Handles socket.io requests; false when the path is not ours.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? string.Empty;
        if (path is Prefix or Prefix + "/")
        {
            await HandshakeAsync(context).ConfigureAwait(false);
            return true;
        }

        if (path.StartsWith(WebSocketPrefix, StringComparison.Ordinal))
        {
            await WebSocketAsync(context, path[WebSocketPrefix.Length..].TrimEnd('/')).ConfigureAwait(false);
            return true;
        }

        if (path.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            // Other transports (xhr-polling, jsonp-polling, flashsocket) are not offered.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return true;
        }

        return false;
    }

    private static void AddCors(HttpContext context)
    {
        // The handshake comes from pages of other origins with withCredentials: echo the Origin.
        string? origin = context.Request.Headers.Origin;
        IHeaderDictionary headers = context.Response.Headers;
        if (!string.IsNullOrEmpty(origin))
        {
            headers.AccessControlAllowOrigin = origin;
            headers.AccessControlAllowCredentials = "true";
        }
        else
        {
            headers.AccessControlAllowOrigin = "*";
        }
    }

    private async Task HandshakeAsync(HttpContext context)
    {
        AddCors(context);
        HttpRequest request = context.Request;
        if (HttpMethods.IsOptions(request.Method))
        {
            context.Response.Headers.AccessControlAllowMethods = "GET, POST";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        IPAddress ip = RemoteIp(context);
        try
        {
            if (!await state.Sessions.AdmitAsync(ip, context.RequestAborted).ConfigureAwait(false))
            {
                ErsLog.HandshakeRefused(logger, ip.ToString());
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
        }
        catch (OperationCanceledException)
        {
            return; // the client left while its reply was held
        }

        string sid = state.Sessions.Create(ip);
        if (state.Rooms.Cluster is { IsUp: true } cluster)
        {
            // Its websocket may reach any node (no sticky sessions needed): written before the client has the sid.
            if (await cluster.RegisterSidAsync(sid, ip).ConfigureAwait(false))
            {
                state.Sessions.MarkShared(sid);
            }
        }

        ErsServerOptions server = state.Options.Server;
        string body = string.Create(CultureInfo.InvariantCulture, $"{sid}:{server.HeartbeatTimeout}:{server.CloseTimeout}:websocket");
        string? jsonp = request.Query["jsonp"];
        if (jsonp is { Length: > 0 and < 8 } && int.TryParse(jsonp, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            // socket.io-client 0.9 without CORS inserts <script src="...&jsonp=N"> and expects io.j[N]("...").
            context.Response.ContentType = "application/javascript";
            await context.Response.WriteAsync(
                string.Create(CultureInfo.InvariantCulture, $"io.j[{index}]({JsonSerializer.Serialize(body)});"),
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WebSocketAsync(HttpContext context, string sid)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        bool known = state.Sessions.TryClaim(sid, out IPAddress ip, out bool shared);
        if (state.Rooms.Cluster is { IsUp: true } cluster && (shared || !known))
        {
            // Redis holds a handshake any node may open: the first node to take it from Redis opens it, and no other.
            IPAddress? handshaken = await cluster.ClaimSidAsync(sid).ConfigureAwait(false);
            if (known && handshaken is null && cluster.IsUp)
            {
                state.Sessions.Release(sid, ip); // opened on another node already
                known = false;
            }
            else if (!known && handshaken is not null)
            {
                ip = handshaken;
                known = state.Sessions.TryAdopt(sid, ip);
            }
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        if (!known)
        {
            // socket.io-spec "(7) Error": reason 1 "client not handshaken", advice 0 "reconnect".
            using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(2), state.Time);
            try
            {
                await socket.SendAsync("7:::1+0"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token).ConfigureAwait(false);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }

            return;
        }

        try
        {
            using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(
                context.RequestAborted, state.Stopping);
            ErsConnection connection = new(sid, ip, state.Rooms, state.Options, state.Time, logger, linked.Token);
            (JsonElement stun, JsonElement turn) = state.IceServers(sid, context);
            await connection.RunAsync(socket, stun, turn).ConfigureAwait(false);
        }
        finally
        {
            state.Sessions.Release(sid, ip);
        }
    }

    internal static IPAddress RemoteIp(HttpContext context)
    {
        IPAddress ip = context.Connection.RemoteIpAddress ?? IPAddress.None;
        return ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
    }
}
