using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EmsSharp.Rendezvous.Rooms;
using EmsSharp.Rendezvous.SocketIo;
using Microsoft.Net.Http.Headers;

namespace EmsSharp.Rendezvous.Whep;

/// <summary>
/// WHEP through the rendezvous (draft-ietf-wish-whep-03 with RFC 9725's HTTP usage, as the ems's own WHEP listener) on the
/// signalling port: <c>POST /&lt;room&gt;/&lt;stream&gt;/whep</c> with an <c>application/sdp</c> offer relays it to the room's
/// EMS over the socket.io connection the EMS holds, so the EMS need not be reachable. The session is a <see cref="WhepPeer"/>
/// of the room, admitted as a browser's join is (room allowed, viewer token as the bearer token, the address's share of
/// sockets and handshake rate), that the EMS hears as <c>clientJoined</c> with <c>offers:true</c> and then the offer.
/// <list type="bullet">
/// <item>The EMS's answer: <c>201 Created</c>, a <c>Location</c> (<c>/&lt;room&gt;/&lt;stream&gt;/whep/&lt;session&gt;</c>), an
/// <c>ETag</c> and the ERS's STUN/TURN entries as <c>Link</c> headers (§4.2, §4.6); its <c>connectivityError</c>'s reason
/// maps to 404, 406, 503 or 500 with its description.</item>
/// <item><c>PATCH</c> relays the candidates of an <c>application/trickle-ice-sdpfrag</c> (RFC 8840) to the EMS, 204; an ICE
/// restart gets §4.3.1's 422: the relay's messages (<c>offer</c>, <c>answer</c>, <c>candidate</c>,
/// <c>connectivityError</c>, PROTOCOL.md §3.2) have none that takes the player's new credentials to the EMS and brings
/// the EMS's new ones back on a session already answered. <c>DELETE</c> ends the session (the EMS hears <c>remove</c>);
/// <c>OPTIONS</c> answers CORS.</item>
/// </list>
/// </summary>
internal sealed partial class WhepEndpoint(ErsState state, ILogger logger)
{
    private const string SdpType = "application/sdp";
    private const string TrickleType = "application/trickle-ice-sdpfrag";

    private readonly ConcurrentDictionary<string, WhepPeer> _sessions = new(StringComparer.Ordinal);

    /// <summary>Handles a WHEP request; false when the path is not a WHEP resource.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        Match match = WhepPath().Match(context.Request.Path.Value ?? string.Empty);
        if (!match.Success)
        {
            return false;
        }

        string room = Uri.UnescapeDataString(match.Groups["room"].Value);
        string stream = Uri.UnescapeDataString(match.Groups["stream"].Value);
        string? sessionId = match.Groups["session"] is { Success: true } session ? session.Value : null;
        HttpRequest request = context.Request;
        HttpResponse response = context.Response;

        // CORS (Fetch standard): players are pages of any origin; they send no cookies, their token is a header.
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = "Location, Link, ETag, Accept-Patch";
        if (HttpMethods.IsOptions(request.Method))
        {
            // RFC 9725 §4.2: a preflight needs no authentication.
            response.Headers.AccessControlAllowMethods = sessionId is null ? "OPTIONS, POST" : "OPTIONS, PATCH, DELETE";
            response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, If-Match";
            response.Headers.AccessControlMaxAge = "86400";
            response.Headers[sessionId is null ? "Accept-Post" : "Accept-Patch"] = sessionId is null ? SdpType : TrickleType;
            response.StatusCode = StatusCodes.Status204NoContent;
            return true;
        }

        if (sessionId is null)
        {
            if (HttpMethods.IsPost(request.Method))
            {
                await OfferAsync(context, room, stream).ConfigureAwait(false);
            }
            else
            {
                response.Headers.Allow = "OPTIONS, POST";
                await PlainAsync(response, StatusCodes.Status405MethodNotAllowed, "POST an SDP offer to this URL").ConfigureAwait(false);
            }

            return true;
        }

        if (!_sessions.TryGetValue(sessionId, out WhepPeer? peer) || peer.RoomName != room || peer.StreamName != stream)
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "no such WHEP session (it ended, or was never made)").ConfigureAwait(false);
            return true;
        }

        // With tokensEnabled the session is its viewer token's: only that bearer may trickle to it or end it.
        if (state.Options.Server.TokensEnabled && BearerToken(request) != peer.Token)
        {
            response.Headers.WWWAuthenticate = "Bearer";
            await PlainAsync(response, StatusCodes.Status403Forbidden, "this session was opened with another viewer token").ConfigureAwait(false);
            return true;
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            End(peer, "deleted by the player");
            response.StatusCode = StatusCodes.Status200OK;
        }
        else if (HttpMethods.IsPatch(request.Method))
        {
            await TrickleAsync(context, peer).ConfigureAwait(false);
        }
        else
        {
            response.Headers.Allow = "OPTIONS, PATCH, DELETE";
            await PlainAsync(response, StatusCodes.Status405MethodNotAllowed, "PATCH candidates to a WHEP session or DELETE it").ConfigureAwait(false);
        }

        return true;
    }

    private async Task OfferAsync(HttpContext context, string room, string stream)
    {
        HttpResponse response = context.Response;
        if (!IsContentType(context.Request, SdpType))
        {
            await PlainAsync(response, StatusCodes.Status415UnsupportedMediaType, "the offer must be sent as " + SdpType).ConfigureAwait(false);
            return;
        }

        if (await ReadBodyAsync(context).ConfigureAwait(false) is not { } offer)
        {
            return;
        }

        if (!offer.StartsWith("v=0", StringComparison.Ordinal))
        {
            await PlainAsync(response, StatusCodes.Status400BadRequest, "the body is not an SDP offer").ConfigureAwait(false);
            return;
        }

        // A session holds one of its address's sockets and takes a handshake's token, as a browser's socket does.
        IPAddress ip = SocketIoServer.RemoteIp(context);
        try
        {
            if (!await state.Sessions.AdmitAsync(ip, context.RequestAborted).ConfigureAwait(false))
            {
                ErsLog.WhepRefused(logger, ip.ToString(), room, stream, "too many sockets or handshakes from this address");
                await PlainAsync(response, StatusCodes.Status429TooManyRequests,
                    "this address holds as many sockets and WHEP sessions as it may, or opens them too fast").ConfigureAwait(false);
                return;
            }
        }
        catch (OperationCanceledException)
        {
            return; // the player left while its request was held
        }

        string id = state.Sessions.Create(ip);
        state.Sessions.TryClaim(id, out _);
        string? token = BearerToken(context.Request);
        WhepPeer peer = new(id, ip, token, offer);
        _sessions[id] = peer;
        (JsonElement error, JsonElement data) = await state.Rooms.JoinAsync(peer, room, JsonSerializer.SerializeToElement(new JsonObject
        {
            ["token"] = token,
            ["streamName"] = stream,
            ["transport"] = "srtp",
        })).ConfigureAwait(false);
        ErsLog.Joined(logger, id, room, "whep", error.ValueKind == JsonValueKind.Null ? "ok" : error.ToString());
        if (error.ValueKind != JsonValueKind.Null)
        {
            End(peer, null);
            (int status, string text) = JoinRefusal(error.GetString(), room, token);
            if (status == StatusCodes.Status401Unauthorized)
            {
                response.Headers.WWWAuthenticate = "Bearer";
            }

            await PlainAsync(response, status, text).ConfigureAwait(false);
            return;
        }

        foreach (JsonProperty client in data.GetProperty("clients").EnumerateObject())
        {
            peer.EmsId = client.Name; // admitted only with its EMS, the one member named
        }

        _ = peer.Ended.ContinueWith(_ => End(peer, "ended by the EMS"), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default);
        if (!await RelayAsync(peer, "offer", new JsonObject { ["type"] = "offer", ["sdp"] = offer }).ConfigureAwait(false))
        {
            End(peer, null);
            await PlainAsync(response, StatusCodes.Status503ServiceUnavailable, $"the EMS of room {room} does not keep up: try again").ConfigureAwait(false);
            return;
        }

        await AnswerAsync(context, peer, room, stream).ConfigureAwait(false);
    }

    // Waits for the EMS's reply and answers the player with it; a session that did not get an answer is ended.
    private async Task AnswerAsync(HttpContext context, WhepPeer peer, string room, string stream)
    {
        HttpResponse response = context.Response;
        TimeSpan wait = TimeSpan.FromSeconds(state.Options.Limits.WhepAnswerSeconds);
        using CancellationTokenSource gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping);
        Task first;
        try
        {
            first = await Task.WhenAny(peer.Reply, peer.Ended).WaitAsync(wait, state.Time, gone.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            End(peer, $"no answer from the EMS within {wait.TotalSeconds:0} s");
            await PlainAsync(response, StatusCodes.Status504GatewayTimeout,
                $"the EMS of room {room} did not answer within {wait.TotalSeconds:0} s").ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            End(peer, state.Stopping.IsCancellationRequested ? "the ERS stops" : "the player left before the answer");
            return;
        }

        if (first != peer.Reply)
        {
            await PlainAsync(response, StatusCodes.Status503ServiceUnavailable, $"the EMS of room {room} left before it answered").ConfigureAwait(false);
            return;
        }

        (string type, JsonElement payload) = peer.Reply.Result;
        string? sdp = GetString(payload, "sdp");
        if (type != "answer" || sdp is null)
        {
            string description = GetString(payload, "description") ?? "the EMS refused the offer";
            End(peer, description);
            int status = GetString(payload, "reason") switch
            {
                "notFound" => StatusCodes.Status404NotFound,
                "notAcceptable" => StatusCodes.Status406NotAcceptable,
                "unavailable" => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            };
            await PlainAsync(response, status, description).ConfigureAwait(false);
            return;
        }

        ErsLog.WhepAnswered(logger, peer.Id, peer.Ip.ToString(), room, stream);
        response.StatusCode = StatusCodes.Status201Created;
        response.ContentType = SdpType;
        response.Headers.Location = $"/{Uri.EscapeDataString(room)}/{Uri.EscapeDataString(stream)}/whep/{peer.Id}";
        response.Headers.ETag = $"\"{peer.Id}\"";
        response.Headers["Accept-Patch"] = TrickleType;
        response.Headers.Link = LinkHeaders(state.IceServers(peer.Id, context));
        await response.WriteAsync(sdp, context.RequestAborted).ConfigureAwait(false);
    }

    // RFC 9725 §4.3.2: the player's candidates (RFC 8840 §9: a=candidate lines, each after the a=mid of its media); another
    // ufrag than the offer's is an ICE restart (§4.3.3), §4.3.1's 422 when only trickle is supported, as here (the class says why).
    private async Task TrickleAsync(HttpContext context, WhepPeer peer)
    {
        HttpResponse response = context.Response;
        if (!IsContentType(context.Request, TrickleType))
        {
            await PlainAsync(response, StatusCodes.Status415UnsupportedMediaType, "candidates must be sent as " + TrickleType).ConfigureAwait(false);
            return;
        }

        string ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != $"\"{peer.Id}\"")
        {
            await PlainAsync(response, StatusCodes.Status412PreconditionFailed, "If-Match names another ICE session").ConfigureAwait(false);
            return;
        }

        if (await ReadBodyAsync(context).ConfigureAwait(false) is not { } fragment)
        {
            return;
        }

        List<string> mids = [.. Values(peer.Offer, "a=mid:")];
        string? ufrag = Values(fragment, "a=ice-ufrag:").FirstOrDefault();
        if (ufrag is not null && ufrag != Values(peer.Offer, "a=ice-ufrag:").FirstOrDefault())
        {
            await PlainAsync(response, StatusCodes.Status422UnprocessableEntity, "ICE restarts are not relayed by the ERS: start a new session, or play from the ems's own WHEP endpoint, which restarts ICE").ConfigureAwait(false);
            return;
        }

        string mid = mids.FirstOrDefault() ?? "0";
        foreach (string line in Values(fragment, "a="))
        {
            if (line.StartsWith("mid:", StringComparison.Ordinal))
            {
                mid = line["mid:".Length..];
            }
            else if (line.StartsWith("candidate:", StringComparison.Ordinal) && !await RelayAsync(peer, "candidate", new JsonObject
            {
                ["candidate"] = new JsonObject { ["candidate"] = line, ["sdpMid"] = mid, ["sdpMLineIndex"] = Math.Max(0, mids.IndexOf(mid)) },
            }).ConfigureAwait(false))
            {
                await PlainAsync(response, StatusCodes.Status503ServiceUnavailable, "the room's EMS does not keep up: send the candidates again").ConfigureAwait(false);
                return;
            }
        }

        response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>Relays a message of the player to its EMS, as a browser's socket would; false when it was not queued.</summary>
    private async ValueTask<bool> RelayAsync(WhepPeer peer, string type, JsonObject payload) =>
        await state.Rooms.RelayAsync(peer, JsonSerializer.SerializeToElement(new JsonObject
        {
            ["to"] = peer.EmsId,
            ["sid"] = peer.Id,
            ["roomType"] = "video",
            ["type"] = type,
            ["payload"] = payload,
        })).ConfigureAwait(false) == OutboxAdmission.Accepted;

    /// <summary>Ends a session once: it leaves its room (the EMS hears <c>remove</c>) and gives back its socket share.</summary>
    private void End(WhepPeer peer, string? reason)
    {
        if (!_sessions.TryRemove(new KeyValuePair<string, WhepPeer>(peer.Id, peer)))
        {
            return;
        }

        state.Rooms.Leave(peer);
        state.Sessions.Release(peer.Id, peer.Ip);
        if (reason is not null)
        {
            ErsLog.WhepEnded(logger, peer.Id, peer.Ip.ToString(), reason);
        }
    }

    private (int Status, string Text) JoinRefusal(string? reason, string room, string? token) => reason switch
    {
        RoomRegistry.NoEms => (StatusCodes.Status503ServiceUnavailable, $"room {room} has no EMS"),
        RoomRegistry.RoomNotAllowed => (StatusCodes.Status403Forbidden, $"room {room} is not allowed on this ERS"),
        RoomRegistry.InvalidRoom => (StatusCodes.Status404NotFound,
            $"not a room name: 1 to {state.Options.Limits.MaxNameLength} characters"),
        RoomRegistry.InvalidToken when string.IsNullOrEmpty(token) =>
            (StatusCodes.Status401Unauthorized, "a viewer token is required (Authorization: Bearer <token>)"),
        RoomRegistry.InvalidToken => (StatusCodes.Status403Forbidden, "the viewer token is unknown, expired or used by another viewer"),
        _ => (StatusCodes.Status503ServiceUnavailable, $"room {room} takes no viewer now: {reason}"),
    };

    // RFC 9725 §4.6: one Link per ICE server, TURN with its credentials; the entries a browser gets as stunservers/turnservers.
    private static string[] LinkHeaders((JsonElement Stun, JsonElement Turn) servers)
    {
        List<string> links = [];
        foreach (JsonElement list in (ReadOnlySpan<JsonElement>)[servers.Stun, servers.Turn])
        {
            foreach (JsonElement server in list.EnumerateArray())
            {
                string? username = GetString(server, "username");
                string? credential = GetString(server, "credential");
                string attributes = username is null || credential is null
                    ? string.Empty
                    : $"; username=\"{username}\"; credential=\"{credential}\"; credential-type=\"password\"";
                foreach (string url in Urls(server))
                {
                    links.Add($"<{url}>; rel=\"ice-server\"{attributes}");
                }
            }
        }

        return [.. links];
    }

    // An RTCIceServer's url (the stock player's form) or urls, one or a list.
    private static IEnumerable<string> Urls(JsonElement server)
    {
        foreach (string name in (string[])["url", "urls"])
        {
            if (server.ValueKind != JsonValueKind.Object || !server.TryGetProperty(name, out JsonElement value))
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                yield return value.GetString()!;
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement url in value.EnumerateArray())
                {
                    if (url.ValueKind == JsonValueKind.String)
                    {
                        yield return url.GetString()!;
                    }
                }
            }
        }
    }

    // The body, at most the frame limit it travels to the EMS in (413 past it), as UTF-8; null when a reply was written instead.
    private async Task<string?> ReadBodyAsync(HttpContext context)
    {
        int limit = state.Options.Limits.MaxFrameLength;
        byte[] buffer = new byte[limit + 1];
        int length = 0;
        bool tooLarge = context.Request.ContentLength > limit;
        if (!tooLarge)
        {
            try
            {
                int read;
                while (length < buffer.Length
                    && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    length += read;
                }
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                tooLarge = true; // a chunked body past Kestrel's limit, which is the same
            }
            catch (OperationCanceledException)
            {
                return null; // the player left
            }
        }

        if (tooLarge || length > limit)
        {
            // The rest of the body is not read: the connection cannot carry another request (RFC 9110 §15.5.14).
            context.Response.Headers.Connection = "close";
            await PlainAsync(context.Response, StatusCodes.Status413PayloadTooLarge, $"larger than {limit} bytes").ConfigureAwait(false);
            return null;
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    // The values of an SDP's lines that start with prefix.
    private static IEnumerable<string> Values(string sdp, string prefix)
    {
        foreach (string raw in sdp.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return line[prefix.Length..];
            }
        }
    }

    private static string? BearerToken(HttpRequest request)
    {
        string authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    private static bool IsContentType(HttpRequest request, string expected) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type)
        && type.MediaType.Equals(expected, StringComparison.OrdinalIgnoreCase);

    private static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static Task PlainAsync(HttpResponse response, int status, string text)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(text + "\n");
    }

    // /<room>/<stream>/whep or /<room>/<stream>/whep/<session>; a stream name may hold '/' (live/cam1), a room name does not.
    [GeneratedRegex("^/(?<room>[^/]+)/(?<stream>.+)/whep(?:/(?<session>[0-9A-F]{20}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex WhepPath();
}
