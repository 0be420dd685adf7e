using System.Globalization;
using System.Text;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// Writes the session description an RTSP server answers DESCRIBE with (RFC 2326 §10.2, Appendix C; RFC 4566): one
/// <c>m=</c> line per media with port 0 (the transport is chosen by SETUP, RFC 2326 §C.1.1), its <c>a=rtpmap</c>,
/// <c>a=fmtp</c> and <c>a=control</c>, and a session-level <c>a=control:*</c> so the aggregate URL is the Content-Base.
/// </summary>
public static class RtspPlaySdp
{
    /// <summary>Writes the SDP of <paramref name="media"/> for session <paramref name="sessionId"/> served from <paramref name="address"/>.</summary>
    public static string Write(IReadOnlyList<RtspPlayMedia> media, string address, string sessionName, long sessionId)
    {
        ArgumentNullException.ThrowIfNull(media);
        var inv = CultureInfo.InvariantCulture;
        var family = address.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";
        var sdp = new StringBuilder(512);
        sdp.Append("v=0\r\n");
        sdp.Append(inv, $"o=- {sessionId} 1 IN {family} {address}\r\n"); // RFC 4566 §5.2
        sdp.Append("s=").Append(Sanitize(sessionName)).Append("\r\n");
        sdp.Append(inv, $"c=IN {family} {(family == "IP6" ? "::" : "0.0.0.0")}\r\n");
        sdp.Append("t=0 0\r\n"); // RFC 4566 §5.9: an unbounded (live) session
        sdp.Append("a=tool:EmsSharp\r\n");
        sdp.Append("a=range:npt=now-\r\n"); // RFC 2326 §C.1.5: live, no seeking
        sdp.Append("a=control:*\r\n");
        foreach (var m in media)
        {
            sdp.Append(inv, $"m={(m.Kind == Media.Hub.TrackKind.Video ? "video" : "audio")} 0 RTP/AVP {m.PayloadType}\r\n");
            sdp.Append(inv, $"a=rtpmap:{m.PayloadType} {m.RtpMap}\r\n");
            if (m.Fmtp is not null)
            {
                sdp.Append(inv, $"a=fmtp:{m.PayloadType} {m.Fmtp}\r\n");
            }

            sdp.Append("a=control:").Append(m.Control).Append("\r\n");
        }

        return sdp.ToString();
    }

    // A stream name may hold anything a URL path does; an SDP line must not break.
    private static string Sanitize(string text)
    {
        var clean = text.Replace('\r', ' ').Replace('\n', ' ');
        return clean.Length == 0 ? "-" : clean;
    }
}
