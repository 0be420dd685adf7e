using System.Globalization;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.Protocols.Sdp;

/// <summary>The transport facts of a remote offer or answer that a peer session needs.</summary>
public sealed class WebRtcRemoteDescription
{
    private WebRtcRemoteDescription(SdpSessionDescription sdp) => Sdp = sdp;

    /// <summary>The parsed SDP.</summary>
    public SdpSessionDescription Sdp { get; }

    /// <summary>Remote <c>a=ice-ufrag</c>.</summary>
    public string IceUfrag { get; private set; } = string.Empty;

    /// <summary>Remote <c>a=ice-pwd</c>.</summary>
    public string IcePassword { get; private set; } = string.Empty;

    /// <summary>Remote sha-256 fingerprint (colon-separated hex).</summary>
    public string Fingerprint { get; private set; } = string.Empty;

    /// <summary>Remote <c>a=setup</c>: active, passive or actpass.</summary>
    public string Setup { get; private set; } = "actpass";

    /// <summary>Candidates in the description (mDNS ones included; the ICE agent ignores them).</summary>
    public List<IceCandidate> Candidates { get; } = [];

    /// <summary>Per m-section facts, in order.</summary>
    public List<WebRtcRemoteMedia> Media { get; } = [];

    /// <summary>Parses SDP text and extracts the transport facts; false when malformed or incomplete.</summary>
    public static bool TryParse(string? text, out WebRtcRemoteDescription? description)
    {
        description = null;
        if (!SdpSessionDescription.TryParse(text, out var sdp) || sdp!.Media.Count == 0)
        {
            return false;
        }

        var result = new WebRtcRemoteDescription(sdp);
        // With BUNDLE the first m-section carries the transport (RFC 8843 §7); take the first one that has it.
        foreach (var m in sdp.Media)
        {
            var ufrag = sdp.GetAttribute(m, "ice-ufrag");
            var pwd = sdp.GetAttribute(m, "ice-pwd");
            var fingerprint = sdp.GetAttribute(m, "fingerprint");
            if (m.Port != 0 && ufrag is not null && pwd is not null && fingerprint is not null &&
                result.IceUfrag.Length == 0)
            {
                var space = fingerprint.IndexOf(' ', StringComparison.Ordinal);
                if (space < 0 || !string.Equals(fingerprint[..space], "sha-256", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                result.IceUfrag = ufrag;
                result.IcePassword = pwd;
                result.Fingerprint = fingerprint[(space + 1)..].Trim();
                result.Setup = sdp.GetAttribute(m, "setup") ?? "actpass";
            }

            foreach (var c in m.GetAttributes("candidate"))
            {
                if (IceCandidate.TryParse(c, out var candidate))
                {
                    result.Candidates.Add(candidate!);
                }
            }

            if (!TryReadMedia(m, out var media))
            {
                return false;
            }

            result.Media.Add(media!);
        }

        if (result.IceUfrag.Length == 0 || result.Setup is not ("active" or "passive" or "actpass"))
        {
            return false;
        }

        description = result;
        return true;
    }

    private static bool TryReadMedia(SdpMediaDescription m, out WebRtcRemoteMedia? media)
    {
        media = null;
        var sctpPort = 0;
        var maxMessageSize = 65536;
        if (m.GetAttribute("sctp-port") is { } sp &&
            !int.TryParse(sp, NumberStyles.None, CultureInfo.InvariantCulture, out sctpPort))
        {
            return false;
        }

        if (m.GetAttribute("max-message-size") is { } mm &&
            !int.TryParse(mm, NumberStyles.None, CultureInfo.InvariantCulture, out maxMessageSize))
        {
            return false;
        }

        var result = new WebRtcRemoteMedia
        {
            Kind = m.Media,
            Mid = m.Mid,
            Accepted = m.Port != 0,
            Direction = m.Direction,
            SctpPort = sctpPort,
            MaxMessageSize = maxMessageSize,
        };
        if (m.Protocol.Contains("RTP", StringComparison.Ordinal))
        {
            foreach (var f in m.Formats)
            {
                if (!int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var pt) || pt > 127)
                {
                    return false;
                }

                result.PayloadTypes.Add(pt);
            }
        }

        foreach (var l in m.Lines)
        {
            if (l.Type != 'a')
            {
                continue;
            }

            switch (l.AttributeName)
            {
                case "rtpmap" when TrySplitNumber(l.AttributeValue, out var pt, out var rest):
                    result.RtpMaps[pt] = rest;
                    break;
                case "fmtp" when TrySplitNumber(l.AttributeValue, out var pt, out var rest):
                    result.Fmtps[pt] = rest;
                    break;
                case "extmap" when TrySplitNumber(l.AttributeValue, out var id, out var uri):
                    result.Extensions[uri] = id;
                    break;
                case "ssrc":
                    var ssrcEnd = l.AttributeValue.IndexOf(' ', StringComparison.Ordinal);
                    var ssrcText = ssrcEnd < 0 ? l.AttributeValue : l.AttributeValue[..ssrcEnd];
                    if (uint.TryParse(ssrcText, NumberStyles.None, CultureInfo.InvariantCulture, out var ssrc) &&
                        !result.Ssrcs.Contains(ssrc))
                    {
                        result.Ssrcs.Add(ssrc);
                    }

                    break;
                default:
                    break;
            }
        }

        media = result;
        return true;
    }

    private static bool TrySplitNumber(string value, out int number, out string rest)
    {
        // "<number>[/direction] <rest>" as in rtpmap, fmtp and extmap.
        number = 0;
        rest = string.Empty;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }

        var head = value[..space];
        var slash = head.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            head = head[..slash];
        }

        if (!long.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > int.MaxValue)
        {
            return false;
        }

        number = (int)n;
        rest = value[(space + 1)..].Trim();
        return true;
    }
}
