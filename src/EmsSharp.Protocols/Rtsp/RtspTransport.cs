using System.Globalization;
using System.Text;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// One transport specification of the Transport header (RFC 2326 §12.39):
/// <c>RTP/AVP[/TCP|/UDP];unicast;interleaved=0-1</c> or <c>RTP/AVP;unicast;client_port=5000-5001;server_port=...;mode=record</c>.
/// Unknown parameters are ignored.
/// </summary>
public sealed record RtspTransport
{
    /// <summary>True for RTP/AVP/TCP (interleaved on the RTSP connection), false for UDP.</summary>
    public bool IsTcp { get; init; }

    /// <summary>Interleaved channels (RTP, RTCP) for TCP.</summary>
    public (int Rtp, int Rtcp)? Interleaved { get; init; }

    /// <summary>The client's UDP ports (RTP, RTCP).</summary>
    public (int Rtp, int Rtcp)? ClientPort { get; init; }

    /// <summary>The server's UDP ports (RTP, RTCP).</summary>
    public (int Rtp, int Rtcp)? ServerPort { get; init; }

    /// <summary>The mode parameter (<c>play</c> or <c>record</c>), unquoted, or null.</summary>
    public string? Mode { get; init; }

    /// <summary>
    /// Parses the first specification of a Transport header value that is RTP/AVP (the list is in
    /// preference order, RFC 2326 §12.39); false when none is or a port/channel is malformed.
    /// </summary>
    public static bool TryParse(string? value, out RtspTransport transport)
    {
        transport = null!;
        if (string.IsNullOrEmpty(value) || value.Length > 1024)
        {
            return false;
        }

        foreach (var spec in value.Split(','))
        {
            if (TryParseOne(spec.Trim(), out transport))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Formats as a Transport header value.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(IsTcp ? "RTP/AVP/TCP;unicast" : "RTP/AVP;unicast");
        Append(builder, "interleaved", Interleaved);
        Append(builder, "client_port", ClientPort);
        Append(builder, "server_port", ServerPort);
        if (Mode is not null)
        {
            builder.Append(";mode=").Append(Mode);
        }

        return builder.ToString();
    }

    private static bool TryParseOne(string spec, out RtspTransport transport)
    {
        transport = null!;
        var parts = spec.Split(';');
        bool tcp;
        switch (parts[0].Trim().ToUpperInvariant())
        {
            case "RTP/AVP":
            case "RTP/AVP/UDP":
                tcp = false;
                break;
            case "RTP/AVP/TCP":
                tcp = true;
                break;
            default:
                return false;
        }

        var result = new RtspTransport { IsTcp = tcp };
        for (int i = 1; i < parts.Length; i++)
        {
            var parameter = parts[i].Trim();
            int equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? parameter : parameter[..equals];
            var argument = equals < 0 ? "" : parameter[(equals + 1)..];
            switch (name.ToLowerInvariant())
            {
                case "interleaved":
                    if (!TryParseRange(argument, 255, out var channels))
                    {
                        return false;
                    }

                    result = result with { Interleaved = channels };
                    break;
                case "client_port":
                    if (!TryParseRange(argument, 65535, out var client))
                    {
                        return false;
                    }

                    result = result with { ClientPort = client };
                    break;
                case "server_port":
                    if (!TryParseRange(argument, 65535, out var server))
                    {
                        return false;
                    }

                    result = result with { ServerPort = server };
                    break;
                case "mode":
                    result = result with { Mode = argument.Trim('"').ToLowerInvariant() };
                    break;
            }
        }

        transport = result;
        return true;
    }

    // "a-b" or a single "a" meaning a-(a+1) (RFC 2326 §12.39: port = port [ "-" port ]).
    private static bool TryParseRange(string text, int max, out (int, int) range)
    {
        range = default;
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        var first = dash < 0 ? text : text[..dash];
        if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var a) || a > max)
        {
            return false;
        }

        int b = a + 1;
        if (dash >= 0 && (!int.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out b) || b > max))
        {
            return false;
        }

        range = (a, b);
        return b <= max;
    }

    private static void Append(StringBuilder builder, string name, (int Rtp, int Rtcp)? range)
    {
        if (range is { } r)
        {
            builder.Append(';').Append(name).Append('=').Append(r.Rtp.ToString(CultureInfo.InvariantCulture))
                .Append('-').Append(r.Rtcp.ToString(CultureInfo.InvariantCulture));
        }
    }
}
