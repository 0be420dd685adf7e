using System.Globalization;
using System.Net;
using System.Text;
using EmsSharp.Protocols.Net;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Security;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Hls;

/// <summary>
/// Serves the HLS outputs over HTTP on the WS-FMP4 media listener (<c>http://&lt;ems&gt;:8410/</c>), from memory:
/// <c>/&lt;stream&gt;/index.m3u8</c> (the Low-Latency media playlist, also under its playlistName), <c>init.mp4</c>, the
/// segments <c>&lt;base&gt;_&lt;n&gt;.m4s</c> (from disk once they left memory) and parts <c>&lt;base&gt;_&lt;n&gt;.&lt;p&gt;.m4s</c>,
/// and the group's master playlist <c>/&lt;groupName&gt;.m3u8</c>. Blocking playlist reloads (<c>_HLS_msn</c>, <c>_HLS_part</c>,
/// RFC 8216bis §6.2.5.2) and requests for the preload-hinted part (§4.4.5.3) are parked until they can be answered, at most
/// <see cref="HlsOptions.BlockingRequestTimeout"/> (then 503), and within <see cref="HlsOptions.MaxBlockingRequestsPerAddress"/>
/// (429) and <see cref="HlsOptions.MaxBlockingRequests"/> (503). The WS-FMP4 read keys apply: with keys, each request names
/// its key (<c>?key=...</c>).
/// </summary>
internal sealed class HlsEndpoint(HlsOutputManager outputs, IOptions<WsFmp4Options> wsOptions, TimeProvider time)
{
    private const string PlaylistType = "application/vnd.apple.mpegurl";
    private readonly AddressSlots _parked = new(
        outputs.Options.MaxBlockingRequestsPerAddress, outputs.Options.MaxBlockingRequests);

    /// <summary>Whether a request on the media listener is for HLS (a plain GET of a playlist or a media file).</summary>
    public static bool IsHlsRequest(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        return !context.WebSockets.IsWebSocketRequest &&
            (path.EndsWith(".m3u8", StringComparison.Ordinal) || path.EndsWith(".m4s", StringComparison.Ordinal) ||
             path.EndsWith(".mp4", StringComparison.Ordinal));
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!Begin(context, out var path, out var slash, out var file))
        {
            return;
        }

        var response = context.Response;
        if (slash < 0)
        {
            // The master playlist of a group: /<groupName>.m3u8
            var master = file.EndsWith(".m3u8", StringComparison.Ordinal) ? outputs.FindGroup(file[..^5])?.RenderMaster(http: true) : null;
            await WriteAsync(context, master, PlaylistType).ConfigureAwait(false);
            return;
        }

        var name = path[..slash];
        if (outputs.FindByStream(name) is not { } output)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!Admit(context, name, wsOptions.Value))
        {
            return;
        }

        var playlist = output.Playlist;
        if (file == "index.m3u8" || file == output.Configuration.PlaylistName)
        {
            await ServePlaylistAsync(context, playlist).ConfigureAwait(false);
            return;
        }

        if (file.StartsWith("init", StringComparison.Ordinal) && file.EndsWith(".mp4", StringComparison.Ordinal))
        {
            var version = file == "init.mp4" ? 0 : int.TryParse(file.AsSpan(5, file.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && file[4] == '_' ? v : -1;
            await WriteAsync(context, version >= 0 ? playlist.GetInit(version) : null, "video/mp4").ConfigureAwait(false);
            return;
        }

        if (!TryParseMediaName(file, output.Configuration.ChunkBaseName, out var sequence, out var part))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (part is { } p)
        {
            // A part not made yet: the preload hint names it ahead (§4.4.5.3); held until it exists.
            if (playlist.GetPart(sequence, p) is null && !playlist.Has(sequence, p) && !playlist.IsTooFarAhead(sequence, p) &&
                !await ParkAsync(context, playlist, sequence, p).ConfigureAwait(false))
            {
                return;
            }

            await WriteAsync(context, playlist.GetPart(sequence, p), "video/mp4").ConfigureAwait(false);
            return;
        }

        await ServeSegmentAsync(context, playlist.GetSegment(sequence), output.Configuration.TargetFolder, file).ConfigureAwait(false);
    }

    /// <summary>
    /// What every HLS and DASH request starts with: CORS for players on other origins (hls.js, dash.js pages), GET or HEAD
    /// only (else 405 and false), and the path split into its folder part (up to <paramref name="slash"/>, -1 when none)
    /// and its <paramref name="file"/>.
    /// </summary>
    internal static bool Begin(HttpContext context, out string path, out int slash, out string file)
    {
        context.Response.Headers.AccessControlAllowOrigin = "*";
        path = (context.Request.Path.Value ?? "").TrimStart('/');
        slash = path.LastIndexOf('/');
        file = path[(slash + 1)..];
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Whether the WS-FMP4 read keys admit a request for stream <paramref name="name"/> (<c>?key=...</c>); when not, the
    /// status is written (401 no key, 403 a wrong one).
    /// </summary>
    internal static bool Admit(HttpContext context, string name, WsFmp4Options options)
    {
        var check = StreamKeys.Check(options.ReadKeys, name, (context.Request.QueryString.Value ?? "").TrimStart('?'));
        if (check != KeyCheck.Admitted)
        {
            context.Response.StatusCode = check == KeyCheck.KeyMissing ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            return false;
        }

        return true;
    }

    /// <summary>A media segment: from memory, else from the output's folder while it is there, else 404.</summary>
    internal static async Task ServeSegmentAsync(HttpContext context, byte[]? inMemory, string folder, string file)
    {
        var onDisk = Path.Combine(folder, file);
        if (inMemory is null && File.Exists(onDisk))
        {
            context.Response.ContentType = "video/mp4";
            await context.Response.SendFileAsync(onDisk, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, inMemory, "video/mp4").ConfigureAwait(false);
    }

    private async Task ServePlaylistAsync(HttpContext context, HlsPlaylist playlist)
    {
        var query = context.Request.Query;
        var hasMsn = TryGetNumber(query["_HLS_msn"], out var msn);
        var hasPart = TryGetNumber(query["_HLS_part"], out var partNumber);
        if ((query.ContainsKey("_HLS_msn") && !hasMsn) || (query.ContainsKey("_HLS_part") && (!hasPart || !hasMsn)))
        {
            // §6.2.5.2: _HLS_part without _HLS_msn (or an unreadable one) is a Bad Request.
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (hasMsn)
        {
            int? part = hasPart ? (int)Math.Min(partNumber, int.MaxValue) : null;
            if (playlist.IsTooFarAhead(msn, part))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest; // §6.2.5.2: more than two segments ahead
                return;
            }

            if (!playlist.Has(msn, part) && !await ParkAsync(context, playlist, msn, part).ConfigureAwait(false))
            {
                return;
            }
        }

        context.Response.Headers.CacheControl = "no-cache";
        await WriteAsync(context, Encoding.UTF8.GetBytes(playlist.RenderLowLatency()), PlaylistType).ConfigureAwait(false);
    }

    // Holds a request until the playlist has (msn, part); false (and the status written) when refused or timed out.
    private async Task<bool> ParkAsync(HttpContext context, HlsPlaylist playlist, long msn, int? part)
    {
        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (!_parked.TryTake(address, out var refusal))
        {
            context.Response.StatusCode = refusal == AddressSlotRefusal.Address
                ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
            return false;
        }

        try
        {
            using var timeout = new CancellationTokenSource(outputs.Options.BlockingRequestTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
            if (await playlist.WaitForAsync(msn, part, linked.Token).ConfigureAwait(false))
            {
                return true;
            }

            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable; // §6.2.5.2: not there in time
            return false;
        }
        finally
        {
            _parked.Release(address);
        }
    }

    /// <summary>The body with its type, or 404 when null; the body is left out for HEAD.</summary>
    internal static async Task WriteAsync(HttpContext context, byte[]? body, string contentType)
    {
        if (body is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    internal static Task WriteAsync(HttpContext context, string? text, string contentType) =>
        WriteAsync(context, text is null ? null : Encoding.UTF8.GetBytes(text), contentType);

    private static bool TryGetNumber(string? text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>Reads <c>&lt;base&gt;_&lt;n&gt;.m4s</c> (part null) or <c>&lt;base&gt;_&lt;n&gt;.&lt;p&gt;.m4s</c>.</summary>
    internal static bool TryParseMediaName(string file, string baseName, out long sequence, out int? part)
    {
        sequence = 0;
        part = null;
        if (!file.StartsWith(baseName + "_", StringComparison.Ordinal) || !file.EndsWith(".m4s", StringComparison.Ordinal))
        {
            return false;
        }

        var numbers = file.AsSpan(baseName.Length + 1, file.Length - baseName.Length - 5);
        var dot = numbers.IndexOf('.');
        if (dot < 0)
        {
            return long.TryParse(numbers, NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
        }

        if (!long.TryParse(numbers[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out sequence) ||
            !int.TryParse(numbers[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
        {
            return false;
        }

        part = p;
        return true;
    }
}
