using System.Net;

namespace EmsSharp.Rendezvous.Admin;

/// <summary>
/// Refuses admin requests a browser was tricked into sending (ours). DNS rebinding: a page whose name
/// resolves to the admin address sends its own name as <c>Host</c> (RFC 9110 §7.2), so only the admin
/// address itself, <c>localhost</c> on a loopback admin, and <c>server.adminHosts</c> are answered.
/// Cross-site requests: a page of another origin shows in <c>Origin</c> (RFC 6454 §7) or <c>Referer</c>
/// (RFC 9110 §10.1.3), or as <c>Sec-Fetch-Site</c> other than same-origin/none (W3C Fetch Metadata §2.1),
/// which a browser sends even for <c>&lt;img src&gt;</c>. curl and scripts send none of them and pass.
/// </summary>
internal static class AdminRequestGuard
{
    /// <summary>Why the request is refused, or null to answer it.</summary>
    /// <param name="host">The <c>Host</c> header (null or empty: an HTTP/1.0 client, not a browser).</param>
    /// <param name="origin">The <c>Origin</c> header, if any.</param>
    /// <param name="fetchSite">The <c>Sec-Fetch-Site</c> header, if any.</param>
    /// <param name="referer">The <c>Referer</c> header, if any.</param>
    /// <param name="local">The admin address and port the request arrived on.</param>
    /// <param name="adminHosts">Extra host names configured for the admin API.</param>
    public static string? Refusal(string? host, string? origin, string? fetchSite, string? referer, IPEndPoint local, IReadOnlyList<string> adminHosts)
    {
        if (!string.IsNullOrEmpty(host)
            && !(Uri.TryCreate("http://" + host, UriKind.Absolute, out Uri? hostUri) && IsAdminHost(hostUri, local.Address, adminHosts)))
        {
            return $"Host '{host}' is not this admin API's address or a configured server.adminHosts name (DNS rebinding?)";
        }

        if (fetchSite is { Length: > 0 } && fetchSite is not ("same-origin" or "none"))
        {
            return $"cross-site request (Sec-Fetch-Site: {fetchSite}): send admin commands from the admin page, curl or a script";
        }

        if (origin is { Length: > 0 } && !IsSameOrigin(origin, local, adminHosts))
        {
            return $"cross-site request from {origin}: send admin commands from the admin page, curl or a script";
        }

        if (referer is { Length: > 0 } && !IsSameOrigin(referer, local, adminHosts))
        {
            return "cross-site request (Referer of another origin): send admin commands from the admin page, curl or a script";
        }

        return null;
    }

    private static bool IsSameOrigin(string value, IPEndPoint local, IReadOnlyList<string> adminHosts) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri)
        && uri.Scheme == Uri.UriSchemeHttp
        && uri.Port == local.Port
        && IsAdminHost(uri, local.Address, adminHosts);

    private static bool IsAdminHost(Uri uri, IPAddress localAddress, IReadOnlyList<string> adminHosts)
    {
        bool loopback = IPAddress.IsLoopback(localAddress);
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            IPAddress address = IPAddress.Parse(uri.Host.Trim('[', ']'));
            return address.Equals(localAddress) || (loopback && IPAddress.IsLoopback(address));
        }

        return (loopback && uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            || adminHosts.Any(h => h.Equals(uri.Host, StringComparison.OrdinalIgnoreCase));
    }
}
