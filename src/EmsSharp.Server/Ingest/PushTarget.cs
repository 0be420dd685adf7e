namespace EmsSharp.Server.Ingest;

/// <summary>
/// A pushStream target: <c>rtmp://host[:port]/app[/more]</c> or <c>rtsp://[user:password@]host[:port][/path]</c>. Over
/// RTMP the whole path is the application (RTMP 1.0 §7.2.1.1: what connect's <c>app</c> and <c>tcUrl</c> name), as
/// EvoStream and encoders read a server URL; over RTSP the path is a prefix. Either way the stream name is pushStream's
/// targetStreamName: <c>rtsp://host:5544/live</c> and <c>out</c> ANNOUNCE <c>rtsp://host:5544/live/out</c>.
/// </summary>
internal sealed record PushTarget(Uri Uri, string App)
{
    /// <summary>Whether the push goes over RTSP (RECORD), not RTMP.</summary>
    public bool IsRtsp => Uri.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase);

    /// <summary>The port, 1935 (RTMP) or 554 (RTSP, RFC 2326 §3.2) when the URI names none.</summary>
    public int Port => Uri.Port > 0 ? Uri.Port : IsRtsp ? 554 : 1935;

    /// <summary>connect's tcUrl when pushStream gave none: <c>rtmp://host:port/app</c>.</summary>
    public string DefaultTcUrl => $"{Uri.Scheme}://{Uri.Host}:{Port}/{App}";

    /// <summary>The RTSP URL of <paramref name="streamName"/> at the target (ANNOUNCE's and RECORD's), without credentials.</summary>
    public string RtspUrl(string streamName)
    {
        var prefix = App.Length == 0 ? "" : "/" + Uri.EscapeDataString(App).Replace("%2F", "/", StringComparison.Ordinal);
        return $"rtsp://{Uri.Host}:{Port}{prefix}/{Uri.EscapeDataString(streamName)}";
    }

    /// <summary>The URI without credentials (for logs).</summary>
    public string Redacted => new UriBuilder(Uri) { UserName = "", Password = "" }.Uri.AbsoluteUri;

    /// <summary>
    /// Parses <paramref name="text"/>; on failure <paramref name="error"/> says why in words an operator acts on.
    /// </summary>
    public static bool TryParse(string text, out PushTarget target, out string error)
    {
        target = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            error = $"Invalid URI: {Shorten(text)}; expected rtmp://host[:port]/app or rtsp://host[:port][/path]";
            return false;
        }

        var rtsp = uri.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase);
        if (!rtsp && !uri.Scheme.Equals("rtmp", StringComparison.OrdinalIgnoreCase))
        {
            error = $"Invalid URI: scheme {Shorten(uri.Scheme)} is not supported; expected rtmp://host[:port]/app or rtsp://host[:port][/path]";
            return false;
        }

        var app = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (app.Length == 0 && !rtsp)
        {
            error = $"Invalid URI: {Shorten(text)} names no application; expected rtmp://host[:port]/app";
            return false;
        }

        target = new PushTarget(uri, app);
        error = "";
        return true;
    }

    private static string Shorten(string text) => text.Length > 120 ? text[..120] + "..." : text;
}
