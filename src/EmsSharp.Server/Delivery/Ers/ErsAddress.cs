using System.Globalization;
using EmsSharp.Server.Api;

namespace EmsSharp.Server.Delivery.Ers;

/// <summary>One ERS to dial: a host (<see cref="ParameterRules.IsHostName"/>) and a port.</summary>
/// <param name="Host">IPv4 address, bare IPv6 address or host name.</param>
/// <param name="Port">Port 1..65535.</param>
public readonly record struct ErsAddress(string Host, int Port)
{
    /// <summary>Most addresses one <c>ersip</c> may list (issue 17: the ERS nodes sharing one Redis).</summary>
    public const int MaxCount = 8;

    /// <summary>Longest <c>ersip</c>: eight of the longest entries (a 253-character name and <c>:65535</c>) with their commas.</summary>
    public const int MaxListLength = (MaxCount * (253 + 6)) + MaxCount - 1;

    /// <summary>What an <c>ersip</c> must look like, for FAIL descriptions.</summary>
    public const string ListExpectation =
        "must be an IP address or a host name, or a comma-separated list of up to 8 entries host, host:port or [ipv6]:port";

    /// <summary>
    /// <c>host:port</c>, or <c>[ipv6]:port</c> (RFC 3986 §3.2.2: an IPv6 literal in an authority goes in brackets):
    /// the form of logs, status descriptions and URIs.
    /// </summary>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal)
        ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>
    /// Reads <c>startWebrtc</c>'s <c>ersip</c>: one address (EvoStream's form) or a comma-separated list of up to
    /// <see cref="MaxCount"/> entries, each <c>host</c>, <c>host:port</c> or <c>[ipv6]:port</c>; an entry without a port
    /// takes <paramref name="defaultPort"/> (<c>ersport</c>). A bare IPv6 address (more than one colon, no brackets) is
    /// a host without port. <paramref name="problem"/> names the first bad entry.
    /// </summary>
    internal static bool TryParseList(string value, int defaultPort, out ErsAddress[] addresses, out string problem)
    {
        addresses = [];
        if (value.Length > MaxListLength)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"longer than {MaxListLength} characters");
            return false;
        }

        var entries = value.Split(',');
        if (entries.Length > MaxCount)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"{entries.Length} entries, at most {MaxCount}");
            return false;
        }

        var parsed = new ErsAddress[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            if (!TryParseEntry(entries[i], defaultPort, out parsed[i]))
            {
                problem = string.Create(CultureInfo.InvariantCulture,
                    $"entry {i + 1} '{CommandParser.Printable(entries[i])}' is not host, host:port or [ipv6]:port");
                return false;
            }
        }

        addresses = parsed;
        problem = "";
        return true;
    }

    private static bool TryParseEntry(string entry, int defaultPort, out ErsAddress address)
    {
        address = default;
        string host;
        var port = defaultPort;
        if (entry.StartsWith('['))
        {
            // [ipv6]:port only: brackets exist to set a port apart from the address.
            var close = entry.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0 || !ParameterRules.TryParsePort(entry[(close + 2)..], out port))
                return false;
            host = entry[1..close];
            if (!host.Contains(':', StringComparison.Ordinal))
                return false;
        }
        else if (entry.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0
            && entry.IndexOf(':', colon + 1) < 0)
        {
            host = entry[..colon];
            if (!ParameterRules.TryParsePort(entry[(colon + 1)..], out port))
                return false;
        }
        else
        {
            host = entry;
        }

        if (!ParameterRules.IsHostName(host))
            return false;
        address = new ErsAddress(host, port);
        return true;
    }

}
