using System.Net;

namespace EmsSharp.Media.Hub;

/// <summary>
/// Where a live stream comes from, as the EvoStream API describes it: the stream type tag (letter 1 <c>I</c> inbound,
/// letter 2 <c>N</c> network or <c>F</c> file, then the protocol: <c>INR</c> RTMP, <c>INP</c> RTSP/RTP, <c>IFR</c> an FLV
/// file) and, for a network stream, the connection's near (our) and far (the peer's) addresses.
/// </summary>
/// <param name="TypeTag">EvoStream's stream type tag: 2 to 8 ASCII letters.</param>
/// <param name="Near">Our end of the stream's connection, when it has one.</param>
/// <param name="Far">The peer's end of the stream's connection, when it has one.</param>
/// <param name="AppName">The application the stream was published to (RTMP's app, RTSP's first path segment), when known.</param>
public sealed record StreamOrigin(string TypeTag, IPEndPoint? Near = null, IPEndPoint? Far = null, string? AppName = null)
{
    /// <summary>A stream pushed over RTMP to our listener.</summary>
    public const string RtmpTag = "INR";

    /// <summary>A stream pushed (ANNOUNCE/RECORD) or pulled over RTSP, its media over RTP.</summary>
    public const string RtspTag = "INP";

    /// <summary>A stream read from an FLV file.</summary>
    public const string FlvFileTag = "IFR";

    /// <summary>What a publisher that names no origin gets (in-process publishers, tests): an inbound RTMP-like stream.</summary>
    public static StreamOrigin Unspecified { get; } = new(RtmpTag);

    /// <summary>
    /// The tag as EvoStream's <c>typeNumeric</c>: its ASCII bytes left-aligned in 8 bytes, zero-padded, read as a big-endian
    /// unsigned 64-bit number (<c>INR</c> = 5282249572905648128). Codec names (<c>VH264</c>) use the same encoding.
    /// </summary>
    public static ulong TagNumber(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (tag.Length is 0 or > 8)
        {
            throw new ArgumentException("A type tag has 1 to 8 ASCII characters.", nameof(tag));
        }

        ulong value = 0;
        for (var i = 0; i < 8; i++)
        {
            var c = i < tag.Length ? tag[i] : '\0';
            if (c > 0x7F)
            {
                throw new ArgumentException("A type tag has 1 to 8 ASCII characters.", nameof(tag));
            }

            value = (value << 8) | c;
        }

        return value;
    }
}
