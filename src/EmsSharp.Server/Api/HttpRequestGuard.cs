using System.Net;

namespace EmsSharp.Server.Api;

/// <summary>
/// Whether an HTTP API request may run (docs/OPERATIONS.md, Exposure). Browsers send <c>Host</c>, <c>Origin</c> and
/// <c>Sec-Fetch-*</c> headers that scripts (curl, HttpClient, EvoStream tools) do not: a Host that is not ours is DNS
/// rebinding; an Origin not allowed, or a <c>Sec-Fetch-Site</c> other than <c>none</c> (a user's own navigation),
/// is a page of some site driving the API. The API serves no pages, so even <c>same-origin</c> is refused.
/// </summary>
internal sealed class HttpRequestGuard
{
    private const string SecFetchSite = "Sec-Fetch-Site";
    private const string SecFetchMode = "Sec-Fetch-Mode";
    private const string SecFetchDest = "Sec-Fetch-Dest";

    private readonly HashSet<string> _hosts;
    private readonly HashSet<string> _origins;
    private readonly IPAddress _bound;
    private readonly bool _anyHost;
    private readonly bool _requirePost;

    public HttpRequestGuard(HttpEndpointOptions options)
    {
        _anyHost = options.AllowedHosts.Contains("*");
        _hosts = new HashSet<string>(options.AllowedHosts.Select(NormalizeHost), StringComparer.OrdinalIgnoreCase) { "localhost" };
        _origins = new HashSet<string>(options.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
        _bound = IPAddress.Parse(options.BindAddress);
        _requirePost = options.RequirePostForChanges;
    }

    /// <summary>True when <paramref name="origin"/> is listed in <see cref="HttpEndpointOptions.AllowedOrigins"/>.</summary>
    public bool IsAllowedOrigin(string origin) => _origins.Contains(origin.TrimEnd('/'));

    /// <summary>Checks Host, Origin and Sec-Fetch-Site, which apply to every command; null when the request may go on.</summary>
    public HttpRefusal? CheckCaller(HttpRequest request)
    {
        if (request.Host.HasValue && !IsAllowedHost(request.Host.Host))
            return new(StatusCodes.Status403Forbidden,
                $"Host {CommandParser.Shorten(request.Host.Host)} is not allowed: the API answers localhost and the address it is bound to; list the name in Api:Http:AllowedHosts to use it");

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return IsAllowedOrigin(origin)
                ? null
                : new(StatusCodes.Status403Forbidden,
                    $"Requests from web pages are refused (Origin {CommandParser.Shorten(origin)} is not in Api:Http:AllowedOrigins); call the API from a script or the CLI");
        }

        var site = request.Headers[SecFetchSite].ToString();
        return site.Length == 0 || site.Equals("none", StringComparison.OrdinalIgnoreCase)
            ? null
            : new(StatusCodes.Status403Forbidden,
                $"Requests from web pages are refused (Sec-Fetch-Site: {CommandParser.Shorten(site)}); call the API from a script or the CLI, or list the page's origin in Api:Http:AllowedOrigins");
    }

    /// <summary>
    /// Checks the method for a command that changes the server: POST always; GET unless POST is required, and then only
    /// when no browser sent it (curl and scripts send no Sec-Fetch-* headers) or it came from an allowed origin.
    /// </summary>
    public HttpRefusal? CheckMethod(HttpRequest request, IApiCommand command)
    {
        if (!command.ChangesState || HttpMethods.IsPost(request.Method))
            return null;
        if (_requirePost)
            return new(StatusCodes.Status405MethodNotAllowed, $"{command.Name} changes the server: send it with POST (Api:Http:RequirePostForChanges is on)");
        var fromAllowedOrigin = request.Headers.Origin.Count > 0 && IsAllowedOrigin(request.Headers.Origin.ToString());
        return IsFromBrowser(request.Headers) && !fromAllowedOrigin
            ? new(StatusCodes.Status403Forbidden, $"{command.Name} changes the server: a browser may not run it with GET (a link can carry it); use curl, a script or the CLI")
            : null;
    }

    private static bool IsFromBrowser(IHeaderDictionary headers) =>
        headers.Origin.Count > 0 || headers.ContainsKey(SecFetchSite) || headers.ContainsKey(SecFetchMode)
        || headers.ContainsKey(SecFetchDest);

    private bool IsAllowedHost(string host)
    {
        if (_anyHost || _hosts.Contains(NormalizeHost(host)))
            return true;
        if (!IPAddress.TryParse(host.Trim('[', ']'), out var address))
            return false;

        // An IP literal cannot be rebound; the bound address, or any when bound to every interface.
        return _bound.Equals(IPAddress.Any) || _bound.Equals(IPAddress.IPv6Any) || _bound.Equals(address)
            || (IPAddress.IsLoopback(_bound) && IPAddress.IsLoopback(address));
    }

    private static string NormalizeHost(string host) => host.TrimEnd('.');
}
