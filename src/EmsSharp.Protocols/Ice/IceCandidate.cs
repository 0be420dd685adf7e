using System.Globalization;
using System.Net;
using System.Text;

namespace EmsSharp.Protocols.Ice;

/// <summary>
/// An ICE candidate as carried in SDP <c>a=candidate</c> lines (RFC 8839 §5.1): UDP, or TCP with its
/// <c>tcptype</c> (RFC 6544 §4.5: <c>active</c>, <c>passive</c> or <c>so</c>).
/// </summary>
public sealed record IceCandidate(
    string Foundation,
    int Component,
    uint Priority,
    string Address,
    int Port,
    IceCandidateType Type,
    string? RelatedAddress = null,
    int RelatedPort = 0,
    string? TcpType = null)
{
    private const int MaxLineLength = 1024;

    /// <summary>True when the address is an mDNS name (<c>xxxx.local</c>) that this server does not resolve.</summary>
    public bool IsMdns => Address.EndsWith(".local", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for an ICE-TCP candidate (RFC 6544), which has a <see cref="TcpType"/>.</summary>
    public bool IsTcp => TcpType is not null;

    /// <summary>The candidate's transport address, or null for an unresolvable (mDNS, FQDN) address.</summary>
    public IPEndPoint? EndPoint => IPAddress.TryParse(Address, out var ip) ? new IPEndPoint(ip, Port) : null;

    /// <summary>Priority formula of RFC 8445 §5.1.2.1.</summary>
    public static uint ComputePriority(IceCandidateType type, int localPreference, int component) =>
        (uint)(((int)type << 24) + (localPreference << 8) + (256 - component));

    /// <summary>
    /// Parses <c>candidate:...</c> (with or without <c>a=</c> and the <c>candidate:</c> prefix). Returns false for
    /// anything malformed, a transport other than UDP or TCP, a TCP candidate without a known tcptype, or an unknown
    /// type.
    /// </summary>
    public static bool TryParse(string? line, out IceCandidate? candidate)
    {
        candidate = null;
        if (string.IsNullOrWhiteSpace(line) || line.Length > MaxLineLength)
        {
            return false;
        }

        var text = line.Trim();
        if (text.StartsWith("a=", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (text.StartsWith("candidate:", StringComparison.OrdinalIgnoreCase))
        {
            text = text["candidate:".Length..];
        }

        // RFC 8839 §5.1: foundation component-id transport priority address port "typ" type [raddr x rport y] *ext
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 8 || !string.Equals(parts[6], "typ", StringComparison.Ordinal) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var component) ||
            component is < 1 or > 256 ||
            !(string.Equals(parts[2], "udp", StringComparison.OrdinalIgnoreCase) || string.Equals(parts[2], "tcp", StringComparison.OrdinalIgnoreCase)) ||
            !uint.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var priority) ||
            !int.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var port) ||
            port is < 0 or > 65535 || parts[0].Length > 32 || parts[4].Length > 255)
        {
            return false;
        }

        IceCandidateType type;
        switch (parts[7])
        {
            case "host": type = IceCandidateType.Host; break;
            case "srflx": type = IceCandidateType.ServerReflexive; break;
            case "prflx": type = IceCandidateType.PeerReflexive; break;
            case "relay": type = IceCandidateType.Relayed; break;
            default: return false;
        }

        string? raddr = null;
        string? tcpType = null;
        var rport = 0;
        for (var i = 8; i + 1 < parts.Length; i += 2)
        {
            if (parts[i] == "raddr")
            {
                raddr = parts[i + 1];
            }
            else if (parts[i] == "rport" &&
                !int.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out rport))
            {
                return false;
            }
            else if (parts[i] == "tcptype")
            {
                tcpType = parts[i + 1];
            }
        }

        // RFC 6544 §4.5: a TCP candidate names its tcptype; a UDP one has none.
        var isTcp = string.Equals(parts[2], "tcp", StringComparison.OrdinalIgnoreCase);
        if (isTcp != (tcpType is "active" or "passive" or "so") || (!isTcp && tcpType is not null))
        {
            return false;
        }

        candidate = new IceCandidate(parts[0], component, priority, parts[4], port, type, raddr, rport, tcpType);
        return true;
    }

    /// <summary>The attribute value, <c>candidate:...</c> (no <c>a=</c>), as used in SDP and trickle messages.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("candidate:");
        sb.Append(Foundation).Append(' ')
            .Append(Component.ToString(CultureInfo.InvariantCulture)).Append(IsTcp ? " tcp " : " udp ")
            .Append(Priority.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Address).Append(' ')
            .Append(Port.ToString(CultureInfo.InvariantCulture)).Append(" typ ")
            .Append(TypeName(Type));
        if (RelatedAddress is not null)
        {
            sb.Append(" raddr ").Append(RelatedAddress).Append(" rport ")
                .Append(RelatedPort.ToString(CultureInfo.InvariantCulture));
        }

        if (TcpType is not null)
        {
            sb.Append(" tcptype ").Append(TcpType);
        }

        return sb.ToString();
    }

    /// <summary>The SDP name of a candidate type (RFC 8839 §5.1: host, srflx, prflx, relay).</summary>
    public static string TypeName(IceCandidateType type) => type switch
    {
        IceCandidateType.Host => "host",
        IceCandidateType.ServerReflexive => "srflx",
        IceCandidateType.PeerReflexive => "prflx",
        IceCandidateType.Relayed => "relay",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
