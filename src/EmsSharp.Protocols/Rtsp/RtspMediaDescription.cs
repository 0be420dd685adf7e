namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// What an RTSP peer needs from one SDP media section (RFC 8866 §5.14 m=, RFC 4566 a=rtpmap/a=fmtp,
/// RFC 2326 §C.1.1 a=control): the first payload type and its format.
/// </summary>
/// <param name="Media">The media type: <c>video</c>, <c>audio</c>, ...</param>
/// <param name="PayloadType">The first RTP payload type of the m= line.</param>
/// <param name="EncodingName">Encoding name from a=rtpmap, upper-cased (static types get theirs, e.g. PCMU for 0).</param>
/// <param name="ClockRate">Clock rate from a=rtpmap (static types: 8000).</param>
/// <param name="Channels">Channels from a=rtpmap, 1 when absent.</param>
/// <param name="FormatParameters">a=fmtp parameters of that payload type; keys lower-cased.</param>
/// <param name="Control">The a=control attribute, or null.</param>
public sealed record RtspMediaDescription(
    string Media,
    int PayloadType,
    string EncodingName,
    int ClockRate,
    int Channels,
    IReadOnlyDictionary<string, string> FormatParameters,
    string? Control)
{
    /// <summary>Resolves the control URL of this media against the session's base URL (RFC 2326 §C.1.1).</summary>
    public string ResolveControl(string baseUrl)
    {
        if (Control is null or "*")
        {
            return baseUrl;
        }

        if (Control.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) ||
            Control.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
        {
            return Control;
        }

        return baseUrl.EndsWith('/') ? baseUrl + Control : baseUrl + "/" + Control;
    }
}
