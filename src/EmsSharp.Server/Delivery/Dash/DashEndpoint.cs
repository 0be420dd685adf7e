using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Hls;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Dash;

/// <summary>
/// Serves the DASH outputs over HTTP on the WS-FMP4 media listener, beside HLS and from memory like it:
/// <c>/&lt;stream&gt;/&lt;manifestName&gt;</c> (that stream's MPD), <c>/&lt;groupName&gt;.mpd</c> (the group's: every
/// stream), and each track's <c>video_init.mp4</c>, <c>video_&lt;n&gt;.m4s</c>, <c>audio_...</c> (from the folder once
/// they left memory). CORS and the WS-FMP4 read keys as HLS. The MPD is made afresh for each request, with a UTCTiming
/// (ISO/IEC 23009-1 §5.8.5.7, urn:mpeg:dash:utc:direct:2014) so players need no time server.
/// </summary>
internal sealed class DashEndpoint(DashOutputManager outputs, IOptions<WsFmp4Options> wsOptions)
{
    private const string MpdType = "application/dash+xml";

    /// <summary>Whether a request on the media listener is for DASH: an MPD, or a file of a stream's DASH output.</summary>
    public bool Claims(HttpContext context)
    {
        var path = (context.Request.Path.Value ?? "").TrimStart('/');
        var slash = path.LastIndexOf('/');
        return !context.WebSockets.IsWebSocketRequest &&
            (path.EndsWith(".mpd", StringComparison.Ordinal) ||
             (slash > 0 && outputs.FindByStream(path[..slash])?.TrackOf(path[(slash + 1)..]) is not null));
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!HlsEndpoint.Begin(context, out var path, out var slash, out var file))
        {
            return;
        }

        var response = context.Response;
        response.Headers.CacheControl = "no-cache";
        if (slash < 0)
        {
            // The group's MPD: /<groupName>.mpd
            await HlsEndpoint.WriteAsync(context, outputs.FindGroup(file[..^4])?.RenderMpd(http: true), MpdType).ConfigureAwait(false);
            return;
        }

        var name = path[..slash];
        if (outputs.FindByStream(name) is not { } output)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HlsEndpoint.Admit(context, name, wsOptions.Value))
        {
            return;
        }

        if (file == output.Configuration.ManifestName)
        {
            await HlsEndpoint.WriteAsync(context, output.RenderMpd(), MpdType).ConfigureAwait(false);
            return;
        }

        if (output.TrackOf(file) is not { } track)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (file == track.InitName)
        {
            await HlsEndpoint.WriteAsync(context, track.Store.GetInit(track.InitVersion), "video/mp4").ConfigureAwait(false);
            return;
        }

        if (!HlsEndpoint.TryParseMediaName(file, track.Name, out var number, out var part) || part is not null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        response.Headers.CacheControl = "max-age=3600"; // a segment never changes
        await HlsEndpoint.ServeSegmentAsync(context, track.Store.GetSegment(number), output.Configuration.TargetFolder, file).ConfigureAwait(false);
    }
}
