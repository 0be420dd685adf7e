using System.Net;
using System.Text.Json.Nodes;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// A URI as EvoStream's replies spell it out (<c>pullStream</c>'s <c>uri</c>, shared/EVOSTREAM-API.md §4): the parts a
/// script reads without parsing the text itself. For <c>rtmp://u:p@host:1935/live/bunny.mp4?a=1</c>: documentPath
/// <c>/live/</c>, document <c>bunny.mp4</c>, fullDocumentPath <c>/live/bunny.mp4</c>, fullParameters <c>a=1</c>,
/// parameters <c>{a: "1"}</c>, fullUri without the credentials, fullUriWithAuth with them.
/// </summary>
internal static class EvoStreamUri
{
    /// <summary>The object for <paramref name="uri"/> (parsed from <paramref name="original"/>); <paramref name="ip"/> is the host's address as resolved, or "" when it did not resolve.</summary>
    public static JsonObject ToJson(Uri uri, string original, string ip)
    {
        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        var slash = path.LastIndexOf('/');
        var documentPath = path[..(slash + 1)];
        var document = path[(slash + 1)..];
        var query = uri.Query.Length > 0 ? uri.Query[1..] : "";
        var withQuery = query.Length > 0 ? "?" + query : "";
        var (user, password) = Credentials(uri);
        var authority = uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        var auth = user.Length == 0 && password.Length == 0
            ? authority
            : string.Concat(uri.Scheme, "://", Uri.EscapeDataString(user), ":", Uri.EscapeDataString(password), "@",
                uri.GetComponents(UriComponents.HostAndPort, UriFormat.UriEscaped));
        return new JsonObject
        {
            ["document"] = document,
            ["documentPath"] = documentPath,
            ["documentWithFullParameters"] = document + withQuery,
            ["fullDocumentPath"] = path,
            ["fullDocumentPathWithParameters"] = path + withQuery,
            ["fullParameters"] = query,
            ["fullUri"] = authority + uri.AbsolutePath + withQuery,
            ["fullUriWithAuth"] = auth + uri.AbsolutePath + withQuery,
            ["generatedPort"] = 0,
            ["host"] = uri.Host,
            ["ip"] = ip,
            ["originalUri"] = original,
            ["parameters"] = Parameters(query),
            ["password"] = password,
            ["port"] = uri.IsDefaultPort ? DefaultPort(uri.Scheme) : uri.Port,
            ["portSpecified"] = !uri.IsDefaultPort,
            ["scheme"] = uri.Scheme,
            ["userName"] = user,
        };
    }

    /// <summary>The host's first address (IPv4 first), at most <paramref name="timeout"/> spent resolving; "" when it does not resolve.</summary>
    public static async Task<string> ResolveAsync(Uri uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(uri.IdnHost, out var literal))
        {
            return literal.ToString();
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(uri.IdnHost, limit.Token).ConfigureAwait(false);
            var first = Array.Find(addresses, a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ??
                (addresses.Length > 0 ? addresses[0] : null);
            return first?.ToString() ?? "";
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return "";
        }
    }

    // System.Uri knows neither scheme's default port (Port is -1 when none is given).
    private static int DefaultPort(string scheme) => scheme.ToLowerInvariant() switch
    {
        "rtsp" => 554,
        "rtmp" => 1935,
        _ => -1,
    };

    /// <summary>The user name and password of <paramref name="uri"/>'s user information, unescaped; empty when absent.</summary>
    public static (string User, string Password) Credentials(Uri uri)
    {
        var info = uri.UserInfo;
        if (info.Length == 0)
        {
            return ("", "");
        }

        var colon = info.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (Uri.UnescapeDataString(info), "")
            : (Uri.UnescapeDataString(info[..colon]), Uri.UnescapeDataString(info[(colon + 1)..]));
    }

    // EvoStream's `parameters`: each name=value pair of the query, unescaped; a name without '=' maps to "".
    private static JsonObject Parameters(string query)
    {
        var parameters = new JsonObject();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            parameters[name] = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
        }

        return parameters;
    }
}
