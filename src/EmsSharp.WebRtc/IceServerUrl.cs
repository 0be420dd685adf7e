using System.Globalization;
using System.Text.Json;

namespace EmsSharp.WebRtc;

/// <summary>The <c>stun:</c>, <c>turn:</c> and <c>turns:</c> URLs an ERS hands out (RFC 7064, RFC 7065), as the ems and ems-load use them.</summary>
public static class IceServerUrl
{
    /// <summary>
    /// The host and port of a <c>stun:</c> URL, or of a <c>turn:</c> URL over UDP (RFC 7065 §3: no transport parameter
    /// means UDP), since a TURN server answers Binding requests too; false for anything else (<c>turns:</c>, TCP).
    /// RFC 7064 §3.1: the default port is 3478.
    /// </summary>
    public static bool TryParseStun(string url, out string host, out int port)
    {
        host = string.Empty;
        port = 3478;
        if (!url.StartsWith("stun:", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase))
            return false;
        return TryParseHostPort(url.AsSpan(5), "udp", ref host, ref port);
    }

    /// <summary>
    /// Relay options for a <c>turnservers</c> entry reached over a stream: <c>turn:host[:port]?transport=tcp</c> or
    /// <c>turns:host[:port][?transport=tcp]</c> (RFC 7065 §3: default ports 3478 and 5349), with its <c>username</c> and
    /// <c>credential</c>; null for UDP entries and anything malformed.
    /// </summary>
    public static TurnRelayOptions? TryParseTurnStream(JsonElement entry, bool allowUntrustedCertificate)
    {
        if (entry.ValueKind != JsonValueKind.Object ||
            !(entry.TryGetProperty("url", out var url) || entry.TryGetProperty("urls", out url)) || url.ValueKind != JsonValueKind.String ||
            !entry.TryGetProperty("username", out var username) || username.ValueKind != JsonValueKind.String ||
            !entry.TryGetProperty("credential", out var credential) || credential.ValueKind != JsonValueKind.String)
            return null;
        var text = url.GetString()!;
        var host = string.Empty;
        bool tls;
        int port;
        if (text.StartsWith("turns:", StringComparison.OrdinalIgnoreCase))
        {
            (tls, port) = (true, 5349);
            if (!TryParseHostPort(text.AsSpan(6), "tcp", ref host, ref port, queryRequired: false))
                return null;
        }
        else if (text.StartsWith("turn:", StringComparison.OrdinalIgnoreCase))
        {
            (tls, port) = (false, 3478);
            if (!TryParseHostPort(text.AsSpan(5), "tcp", ref host, ref port, queryRequired: true))
                return null;
        }
        else
        {
            return null;
        }

        return new TurnRelayOptions
        {
            Host = host,
            Port = port,
            Tls = tls,
            AllowUntrustedCertificate = allowUntrustedCertificate,
            Username = username.GetString()!,
            Password = credential.GetString()!,
        };
    }

    private static bool TryParseHostPort(ReadOnlySpan<char> rest, string transport, ref string host, ref int port, bool queryRequired = false)
    {
        var query = rest.IndexOf('?');
        if (query >= 0)
        {
            if (!rest[query..].Equals("?transport=" + transport, StringComparison.OrdinalIgnoreCase))
                return false;
            rest = rest[..query];
        }
        else if (queryRequired)
        {
            return false;
        }

        var colon = rest.LastIndexOf(':');
        if (colon > 0 && int.TryParse(rest[(colon + 1)..], CultureInfo.InvariantCulture, out var p))
        {
            if (p is < 1 or > 65535)
                return false;
            port = p;
            rest = rest[..colon];
        }

        host = rest.ToString();
        return host.Length > 0;
    }
}
