using System.Buffers;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Security;
using EmsSharp.WebRtc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EmsSharp.Server.Delivery.Whep;

/// <summary>
/// WHEP (draft-ietf-wish-whep-03, which takes its HTTP usage from WHIP, RFC 9725) and WHIP on a listener of its own:
/// <list type="bullet">
/// <item><c>POST /&lt;stream&gt;/whep</c> with an <c>application/sdp</c> offer: <c>201 Created</c>, the answer, a
/// <c>Location</c> (<c>/&lt;stream&gt;/whep/&lt;session&gt;</c>), an <c>ETag</c> and the ICE servers as <c>Link</c> headers
/// (RFC 9725 §4.2, §4.6); 404 for an unknown stream, 406 for an offer with nothing the stream can send.</item>
/// <item><c>PATCH</c> on the session with an <c>application/trickle-ice-sdpfrag</c> (RFC 8840): the client's candidates,
/// <c>204</c> (RFC 9725 §4.3.2); one with a new <c>a=ice-ufrag</c>/<c>a=ice-pwd</c> and <c>If-Match: "*"</c> restarts ICE
/// (§4.3.3), <c>200</c> with the server's new credentials and candidates as a trickle-ice-sdpfrag and the new ICE
/// session's <c>ETag</c>; media stays on the old pair until the new one is selected, DTLS and SRTP go on. 412 for an
/// <c>If-Match</c> that names another ICE session, 428 for a restart without one, 400 for a malformed fragment.</item>
/// <item><c>DELETE</c> on the session ends it (§4.2); <c>OPTIONS</c> answers CORS preflights.</item>
/// <item><c>POST /&lt;stream&gt;/whip</c> publishes the stream from the offer (RFC 9725 §4.2): the same statuses and
/// headers, with <c>/&lt;stream&gt;/whip/&lt;session&gt;</c> for PATCH and DELETE; 409 when another publisher holds the
/// name, 406 for an offer that sends no H.264.</item>
/// </list>
/// A read key (<see cref="WhepOptions.ReadKeys"/>), or for WHIP the stream's publish key (<c>Ingest:PublishKeys</c>,
/// <see cref="PublishAuthorizer"/>), is presented as a bearer token (§4.5). Every WHEP session is a viewer like a
/// browser of an ERS room: srtp media from the stream's shared packetizer, listed as a connection and as an outbound
/// stream; every WHIP session a publisher (<see cref="WhipRoom"/>).
/// </summary>
internal sealed partial class WhepEndpoint(WhepRoom room, WhipRoom whip, PublishAuthorizer publishers, StreamAliases aliases, IOptions<WhepOptions> options,
    IOptions<WebRtcOptions> webRtc, TimeProvider time, ILogger<WhepEndpoint> logger)
{
    private const string Whip = "whip";
    private const string SdpType = "application/sdp";
    private const string TrickleType = "application/trickle-ice-sdpfrag";

    // Past the stream wait and the offer wait a session has answered or failed; this is the backstop for a request.
    private static readonly TimeSpan AnswerBackstop = TimeSpan.FromSeconds(15);

    private readonly LogThrottle _refusals = new(time);
    private ListenOptions? _listen;

    /// <summary>The bound listener endpoint once the host started (the real port when configured as 0), else null.</summary>
    public IPEndPoint? BoundEndPoint => _listen?.IPEndPoint is { Port: > 0 } bound ? bound : null;

    internal void Attach(ListenOptions listen) => _listen = listen;

    internal bool IsWhepRequest(HttpContext context) => BoundEndPoint?.Port == context.Connection.LocalPort;

    /// <summary>Serves one request of the WHEP listener.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!AllowOrigin(context))
        {
            await PlainAsync(response, StatusCodes.Status403Forbidden, "this origin may not use the WHEP endpoint (Whep:AllowedOrigins)").ConfigureAwait(false);
            return;
        }

        if (!TryParsePath(request.Path.Value ?? string.Empty, out var stream, out var kind, out var sessionId))
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "not a WHEP or WHIP resource: POST /<stream>/whep or /<stream>/whip")
                .ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsOptions(request.Method))
        {
            // A CORS preflight (or a player asking what is allowed): RFC 9725 §4.2 says it needs no authentication.
            response.Headers.AccessControlAllowMethods = sessionId is null ? "OPTIONS, POST" : "OPTIONS, PATCH, DELETE";
            response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, If-Match";
            response.Headers.AccessControlMaxAge = "86400";
            if (sessionId is null)
                response.Headers["Accept-Post"] = SdpType;
            else
                response.Headers["Accept-Patch"] = TrickleType;
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        var (refusal, decision) = await AdmitAsync(context, stream, kind, address).ConfigureAwait(false);
        if (refusal.Status != 0)
        {
            response.Headers.WWWAuthenticate = "Bearer";
            await PlainAsync(response, refusal.Status, refusal.Text).ConfigureAwait(false);
            return;
        }

        if (sessionId is null)
        {
            if (!HttpMethods.IsPost(request.Method))
            {
                response.Headers.Allow = "OPTIONS, POST";
                await PlainAsync(response, StatusCodes.Status405MethodNotAllowed, "POST an SDP offer to this URL").ConfigureAwait(false);
                return;
            }

            // A granted publisher (decision) goes to the WHIP room, a player to the WHEP one.
            Starter start = decision is null
                ? (string offer, out AddressSlotRefusal slot, out string id) => room.OfferAsync(stream, offer, address, out slot, out id)
                : (string offer, out AddressSlotRefusal slot, out string id) => whip.OfferAsync(decision, offer, address, out slot, out id);
            await OfferAsync(context, stream, kind, address, start).ConfigureAwait(false);
            return;
        }

        var session = Find(kind, sessionId);
        if (session is null || session.Stream != stream)
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, $"no such {Upper(kind)} session (it ended, or was never made)").ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            session.Remove();
            response.StatusCode = StatusCodes.Status200OK;
        }
        else if (HttpMethods.IsPatch(request.Method))
        {
            await PatchAsync(context, session).ConfigureAwait(false);
        }
        else
        {
            response.Headers.Allow = "OPTIONS, PATCH, DELETE";
            await PlainAsync(response, StatusCodes.Status405MethodNotAllowed, $"PATCH candidates to a {Upper(kind)} session or DELETE it")
                .ConfigureAwait(false);
        }
    }

    // Starts the session of an offer in the WHEP or the WHIP room (no session when a cap refused it).
    private delegate Task<WhepOutcome> Starter(string offer, out AddressSlotRefusal refusal, out string id);

    // A live session of either room, as the HTTP resource of its Location.
    private sealed record Resource(string Id, string Stream, PeerSession? Peer, Action Remove);

    private Resource? Find(string kind, string id) => kind == Whip
        ? whip.Find(id) is { } publisher ? new Resource(publisher.PeerId, publisher.Stream.Name, publisher.Peer, () => whip.Remove(publisher)) : null
        : room.Find(id) is { } viewer ? new Resource(viewer.PeerId, viewer.StreamName, viewer.Peer, () => room.Remove(viewer)) : null;

    private static string Upper(string kind) => kind.ToUpperInvariant();

    private async Task OfferAsync(HttpContext context, string stream, string kind, IPAddress address, Starter start)
    {
        room.Resources.Port.WarmUpDtls(); // the first offer pays for its own handshake; a burst after it does not
        var response = context.Response;
        if (!IsContentType(context.Request, SdpType))
        {
            await PlainAsync(response, StatusCodes.Status415UnsupportedMediaType, "the offer must be sent as application/sdp").ConfigureAwait(false);
            return;
        }

        var offer = await ReadBodyAsync(context).ConfigureAwait(false);
        if (offer is null)
            return;
        if (!WebRtcRemoteDescription.TryParse(offer, out _))
        {
            await PlainAsync(response, StatusCodes.Status400BadRequest,
                "the body is not a WebRTC offer (SDP with ICE credentials and a sha-256 fingerprint)").ConfigureAwait(false);
            return;
        }

        var outcome = start(offer, out var slotRefusal, out var id);
        if (slotRefusal != AddressSlotRefusal.None)
        {
            if (_refusals.TryEnter(out var refusals))
                LogFull(logger, Upper(kind), address, slotRefusal == AddressSlotRefusal.Address ? "its share of sessions" : "every session slot", refusals);
            var (status, text) = slotRefusal == AddressSlotRefusal.Address
                ? (StatusCodes.Status429TooManyRequests, $"this address holds {options.Value.MaxSessionsPerAddress} {Upper(kind)} sessions already")
                : (StatusCodes.Status503ServiceUnavailable, $"the server holds as many {Upper(kind)} sessions as it takes");
            await PlainAsync(response, status, text).ConfigureAwait(false);
            return;
        }

        WhepOutcome result;
        try
        {
            result = await outcome.WaitAsync(webRtc.Value.StreamWaitTimeout + AnswerBackstop, time, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The player gave up (or, past every wait, nothing came): the session must not outlive its request.
            Find(kind, id)?.Remove();
            if (e is TimeoutException)
                await PlainAsync(response, StatusCodes.Status504GatewayTimeout, "the session did not answer in time").ConfigureAwait(false);
            return;
        }

        if (!result.Answered)
        {
            var status = result.Reason switch
            {
                ViewerRefusal.NotFound => StatusCodes.Status404NotFound,
                ViewerRefusal.NotAcceptable => StatusCodes.Status406NotAcceptable,
                ViewerRefusal.Unavailable => StatusCodes.Status503ServiceUnavailable,
                ViewerRefusal.Conflict => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status500InternalServerError,
            };
            await PlainAsync(response, status, result.Text ?? "the session failed").ConfigureAwait(false);
            return;
        }

        response.StatusCode = StatusCodes.Status201Created;
        response.ContentType = SdpType;
        response.Headers.Location = $"/{Uri.EscapeDataString(stream)}/{kind}/{id}";
        response.Headers.ETag = $"\"{id}\""; // the first ICE session's (EntityTag)
        response.Headers["Accept-Patch"] = TrickleType;
        response.Headers.Link = LinkHeaders();
        await response.WriteAsync(result.Text ?? string.Empty).ConfigureAwait(false);
    }

    // RFC 9725 §4.3: a trickle-ice-sdpfrag (RFC 8840 §9) with the client's candidates is trickle (§4.3.2), 204; one that
    // names another ufrag than the session's peer has now is an ICE restart (§4.3.3), answered by RestartAsync.
    private async Task PatchAsync(HttpContext context, Resource session)
    {
        var response = context.Response;
        if (!IsContentType(context.Request, TrickleType))
        {
            await PlainAsync(response, StatusCodes.Status415UnsupportedMediaType, "candidates must be sent as " + TrickleType).ConfigureAwait(false);
            return;
        }

        var ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != EntityTag(session))
        {
            await PlainAsync(response, StatusCodes.Status412PreconditionFailed, "If-Match names another ICE session").ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
            return;
        if (!TrickleIceFragment.TryParse(body, out var fragment, out var malformed))
        {
            await PlainAsync(response, StatusCodes.Status400BadRequest, malformed).ConfigureAwait(false);
            return;
        }

        if (session.Peer is { RemoteIceUfrag: { } current } peer && fragment!.IsRestartOf(current))
        {
            await RestartAsync(context, session, peer, fragment, ifMatch).ConfigureAwait(false);
            return;
        }

        foreach (var candidate in fragment!.Candidates)
            session.Peer?.AddRemoteCandidate(candidate);
        response.StatusCode = StatusCodes.Status204NoContent;
    }

    // RFC 9725 §4.3.3: the restart PATCH carries If-Match: "*" (428 without one, RFC 6585 §3), the client's new ufrag, pwd
    // and candidates; the answer is 200 with the server's new ones as a trickle-ice-sdpfrag and the new ICE session's
    // entity tag. A restart the session cannot make leaves it as it was (§4.3.3: it is not ended).
    private async Task RestartAsync(HttpContext context, Resource session, PeerSession peer, TrickleIceFragment fragment, string ifMatch)
    {
        var response = context.Response;
        if (ifMatch.Length == 0)
        {
            await PlainAsync(response, StatusCodes.Status428PreconditionRequired,
                "an ICE restart (a new a=ice-ufrag) must be sent with If-Match: \"*\" (RFC 9725 §4.3.3)").ConfigureAwait(false);
            return;
        }

        if (!fragment.TryGetRestartCredentials(out var ufrag, out var password, out var malformed))
        {
            await PlainAsync(response, StatusCodes.Status400BadRequest, malformed).ConfigureAwait(false);
            return;
        }

        string answer;
        try
        {
            answer = await peer.RestartIceAsync(ufrag, password, fragment.Candidates).WaitAsync(AnswerBackstop, time, context.RequestAborted)
                .ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "the session ended").ConfigureAwait(false);
            return;
        }
        catch (InvalidOperationException e)
        {
            await PlainAsync(response, StatusCodes.Status409Conflict, "this session cannot restart ICE: " + e.Message).ConfigureAwait(false);
            return;
        }
        catch (TimeoutException)
        {
            await PlainAsync(response, StatusCodes.Status504GatewayTimeout, "the session did not restart ICE in time").ConfigureAwait(false);
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = TrickleType;
        response.Headers.ETag = EntityTag(session);
        await response.WriteAsync(answer).ConfigureAwait(false);
    }

    // RFC 9725 §4.3.1: a strong entity tag names the ICE session: the session id for the first, then ".<n>" after the n-th
    // restart.
    private static string EntityTag(Resource session) => session.Peer?.IceRestarts is int restarts and > 0
        ? $"\"{session.Id}.{restarts}\""
        : $"\"{session.Id}\"";

    // CORS (Fetch standard): a page of an allowed origin may read the replies and the Location, Link and ETag headers.
    // A request without Origin (not a browser page: ffmpeg, OBS, aiortc) passes.
    private bool AllowOrigin(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
            return true;
        var allowed = options.Value.AllowedOrigins;
        if (!allowed.Contains("*") && !allowed.Contains(origin, StringComparer.OrdinalIgnoreCase))
            return false;
        context.Response.Headers.AccessControlAllowOrigin = allowed.Contains("*") ? "*" : origin;
        context.Response.Headers.AccessControlExposeHeaders = "Location, Link, ETag, Accept-Patch";
        if (!allowed.Contains("*"))
            context.Response.Headers.Vary = "Origin";
        return true;
    }

    // RFC 9725 §4.5 (bearer token): against the read keys for WHEP, the publish authorization (Ingest:PublishKeys, the
    // publish callback; the token is the ?key= of an RTMP or RTSP publisher) for WHIP. RFC 9110 §15.5.2 401 without
    // one, §15.5.4 403 for a wrong one. A WHIP request also gets the publish decision (null for WHEP). A WHEP alias
    // (addStreamAlias) plays another stream: that stream's read key is the one that counts, as over WS-FMP4.
    private async Task<((int Status, string Text) Refusal, PublishDecision? Decision)> AdmitAsync(HttpContext context, string stream, string kind,
        IPAddress address)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        (int Status, string Text) refusal;
        PublishDecision? decision = null;
        if (kind == Whip)
        {
            var requested = token is null ? stream : stream + "?key=" + Uri.EscapeDataString(token);
            decision = await publishers.AuthorizeAsync(new PublishRequest("WHIP", requested, new IPEndPoint(address, context.Connection.RemotePort)),
                context.RequestAborted).ConfigureAwait(false);
            refusal = decision.Allowed ? (0, string.Empty)
                : decision.CredentialsMissing ? (StatusCodes.Status401Unauthorized, "a publish key is required (Authorization: Bearer <key>)")
                : (StatusCodes.Status403Forbidden, decision.Reason);
        }
        else
        {
            var keyed = aliases.TryPeek(stream, out var alias) ? alias.LocalStreamName : stream;
            refusal = StreamKeys.CheckKey(options.Value.ReadKeys, keyed, token) switch
            {
                KeyCheck.Admitted => (0, string.Empty),
                KeyCheck.KeyMissing => (StatusCodes.Status401Unauthorized, "a read key is required (Authorization: Bearer <key>)"),
                KeyCheck.WrongKey => (StatusCodes.Status403Forbidden, "wrong read key"),
                _ => (StatusCodes.Status403Forbidden, "no read key is configured for this stream"),
            };
        }

        if (refusal.Status != 0 && _refusals.TryEnter(out var refusals))
            LogRefused(logger, kind == Whip ? "WHIP publisher" : "WHEP player", address, Api.CommandParser.Shorten(stream), refusal.Text, refusals);
        return (refusal, decision);
    }

    // /<stream>/whep or /<stream>/whep/<session>, the same with whip; a stream name may hold '/' (live/cam1).
    private static bool TryParsePath(string path, out string stream, out string kind, out string? sessionId)
    {
        var match = ResourcePath().Match(path);
        stream = match.Success ? Uri.UnescapeDataString(match.Groups["stream"].Value) : string.Empty;
        kind = match.Groups["kind"].Value;
        sessionId = match.Groups["session"] is { Success: true } session ? session.Value : null;
        return match.Success && StreamName.IsValid(stream, out _);
    }

    [GeneratedRegex("^/(?<stream>.+)/(?<kind>whep|whip)(?:/(?<session>[0-9a-f]{32}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourcePath();

    private static bool IsContentType(HttpRequest request, string expected) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals(expected, StringComparison.OrdinalIgnoreCase);

    // The body, at most MaxSdpBytes (413 past it), as UTF-8; null when a reply was written instead.
    private async Task<string?> ReadBodyAsync(HttpContext context)
    {
        var limit = options.Value.MaxSdpBytes;
        if (context.Request.ContentLength > limit)
        {
            await PlainAsync(context.Response, StatusCodes.Status413PayloadTooLarge, $"larger than {limit} bytes").ConfigureAwait(false);
            return null;
        }

        // A pooled buffer: a limit's worth (64 KiB by default) for every offer of a few KiB would be garbage per request.
        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            var length = 0;
            int read;
            while (length <= limit && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length, limit + 1 - length), context.RequestAborted)
                .ConfigureAwait(false)) > 0)
                length += read;
            if (length > limit)
            {
                await PlainAsync(context.Response, StatusCodes.Status413PayloadTooLarge, $"larger than {limit} bytes").ConfigureAwait(false);
                return null;
            }

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string[] LinkHeaders() =>
    [
        .. options.Value.IceServers.Select(static s => s.Username is null
            ? $"<{s.Url}>; rel=\"ice-server\""
            : $"<{s.Url}>; rel=\"ice-server\"; username=\"{s.Username}\"; credential=\"{s.Credential}\"; credential-type=\"password\""),
    ];

    private static Task PlainAsync(HttpResponse response, int status, string text)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(text + "\n");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Who} from {Address} refused for {Stream}: {Reason} ({Refusals} refusals since the last such line)")]
    private static partial void LogRefused(ILogger logger, string who, IPAddress address, string stream, string reason, long refusals);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} client from {Address} refused: {Cap} is taken ({Refusals} refusals since the last such line)")]
    private static partial void LogFull(ILogger logger, string kind, IPAddress address, string cap, long refusals);
}
