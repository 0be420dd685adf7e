namespace EmsSharp.Server.Ingest;

/// <summary>
/// A pushStream target: <c>rtmp://host[:port]/app[/more]</c>. The whole path is the RTMP application (RTMP 1.0 §7.2.1.1:
/// what connect's <c>app</c> and <c>tcUrl</c> name), as EvoStream and encoders read a server URL; the stream name is
/// pushStream's targetStreamName.
/// </summary>
internal sealed record PushTarget(Uri Uri, string App)
{
    /// <summary>The port, 1935 when the URI names none.</summary>
    public int Port => Uri.Port > 0 ? Uri.Port : 1935;

    /// <summary>connect's tcUrl when pushStream gave none: <c>rtmp://host:port/app</c>.</summary>
    public string DefaultTcUrl => $"{Uri.Scheme}://{Uri.Host}:{Port}/{App}";

    /// <summary>The URI without credentials (for logs).</summary>
    public string Redacted => new UriBuilder(Uri) { UserName = "", Password = "" }.Uri.AbsoluteUri;

    /// <summary>
    /// Parses <paramref name="text"/>; on failure <paramref name="error"/> says why in words an operator acts on (an RTSP
    /// target is named as such: pushing over RTSP is not supported yet).
    /// </summary>
    public static bool TryParse(string text, out PushTarget target, out string error)
    {
        target = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            error = $"Invalid URI: {Shorten(text)}; expected rtmp://host[:port]/app";
            return false;
        }

        if (uri.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            error = "RTSP push is not yet supported; push to an rtmp://host[:port]/app target";
            return false;
        }

        if (!uri.Scheme.Equals("rtmp", StringComparison.OrdinalIgnoreCase))
        {
            error = $"Invalid URI: scheme {Shorten(uri.Scheme)} is not supported; expected rtmp://host[:port]/app";
            return false;
        }

        var app = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (app.Length == 0)
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
