using System.Globalization;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// The few SDP lines an RTSP ingest needs (RFC 8866 §5; RFC 2326 Appendix C): media sections with their
/// first payload type, a=rtpmap, a=fmtp and a=control. Everything else is ignored. (A full SDP model lives
/// with WebRTC; RTSP needs only this.)
/// </summary>
public sealed class RtspSessionDescription
{
    /// <summary>Most media sections accepted.</summary>
    public const int MaxMedia = 8;

    /// <summary>Longest SDP accepted, in characters.</summary>
    public const int MaxLength = 64 * 1024;

    private RtspSessionDescription(List<RtspMediaDescription> media) => Media = media;

    /// <summary>The media sections in order.</summary>
    public IReadOnlyList<RtspMediaDescription> Media { get; }

    /// <summary>Parses an SDP; false when it has no valid m= line, too many, or a malformed one.</summary>
    public static bool TryParse(string sdp, out RtspSessionDescription description)
    {
        description = null!;
        if (sdp.Length > MaxLength)
        {
            return false;
        }

        var media = new List<RtspMediaDescription>();
        Builder? current = null;
        foreach (var raw in sdp.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    media.Add(current.Build());
                }

                // RFC 8866 §5.14: m=<media> <port> <proto> <fmt> ...
                var fields = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 4 || media.Count >= MaxMedia ||
                    !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var pt) || pt > 127)
                {
                    return false;
                }

                current = new Builder(fields[0].ToLowerInvariant(), pt);
            }
            else if (current is not null && line.StartsWith("a=", StringComparison.Ordinal))
            {
                current.Attribute(line[2..]);
            }
        }

        if (current is not null)
        {
            media.Add(current.Build());
        }

        if (media.Count == 0)
        {
            return false;
        }

        description = new RtspSessionDescription(media);
        return true;
    }

    private sealed class Builder(string media, int payloadType)
    {
        private readonly Dictionary<string, string> _fmtp = new(StringComparer.OrdinalIgnoreCase);
        private string? _encoding;
        private int _clockRate;
        private int _channels = 1;
        private string? _control;

        public void Attribute(string attribute)
        {
            var prefix = payloadType.ToString(CultureInfo.InvariantCulture) + " ";
            if (attribute.StartsWith("rtpmap:", StringComparison.OrdinalIgnoreCase) && attribute[7..].StartsWith(prefix, StringComparison.Ordinal))
            {
                // RFC 8866 §6.6: a=rtpmap:<pt> <encoding name>/<clock rate>[/<encoding parameters>]
                var parts = attribute[(7 + prefix.Length)..].Trim().Split('/');
                if (parts.Length >= 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rate) && rate > 0)
                {
                    _encoding = parts[0].ToUpperInvariant();
                    _clockRate = rate;
                    if (parts.Length >= 3 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var channels) &&
                        channels is > 0 and <= 8)
                    {
                        _channels = channels;
                    }
                }
            }
            else if (attribute.StartsWith("fmtp:", StringComparison.OrdinalIgnoreCase) && attribute[5..].StartsWith(prefix, StringComparison.Ordinal))
            {
                // RFC 8866 §6.15: a=fmtp:<format> <format specific parameters>, here "k=v; k=v".
                foreach (var pair in attribute[(5 + prefix.Length)..].Split(';'))
                {
                    int equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals > 0 && _fmtp.Count < 32)
                    {
                        _fmtp[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
                    }
                }
            }
            else if (attribute.StartsWith("control:", StringComparison.OrdinalIgnoreCase))
            {
                _control = attribute[8..].Trim();
            }
        }

        public RtspMediaDescription Build()
        {
            // RFC 3551 §6: static payload types 0 (PCMU) and 8 (PCMA) need no rtpmap.
            var encoding = _encoding ?? payloadType switch { 0 => "PCMU", 8 => "PCMA", _ => "" };
            var clockRate = _clockRate != 0 ? _clockRate : payloadType is 0 or 8 ? 8000 : 0;
            return new RtspMediaDescription(media, payloadType, encoding, clockRate, _channels, _fmtp, _control);
        }
    }
}
