namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// One unit of the §4.2 packet stream (PROTOCOL.md), framed once per live stream and shared by reference
/// with every viewer: either the HEADER_MOOV init packet, or one fragment's BEGIN, HEADER_MOOF, HEADER_MDAT,
/// VIDEO_BUFFER, AUDIO_BUFFER, END packets. The bytes are immutable after construction.
/// </summary>
internal sealed class Fmp4Packet
{
    private readonly byte[] _bytes;

    /// <summary>Wraps <paramref name="bytes"/>, which must not be written afterwards.</summary>
    public Fmp4Packet(byte[] bytes, bool isInit, bool startsWithKeyframe)
    {
        _bytes = bytes;
        IsInit = isInit;
        StartsWithKeyframe = startsWithKeyframe;
    }

    /// <summary>The framed bytes, ready to send as one WebSocket or data channel message.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>Byte length of <see cref="Bytes"/>.</summary>
    public int Length => _bytes.Length;

    /// <summary>True for the HEADER_MOOV packet.</summary>
    public bool IsInit { get; }

    /// <summary>
    /// True when a viewer may start playing here: the fragment's first video sample is a keyframe, or the
    /// stream has no video. Always true for the init packet.
    /// </summary>
    public bool StartsWithKeyframe { get; }

    /// <summary>
    /// Hub arrival (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) of the oldest frame in the fragment, for
    /// the server-added latency; 0 when unknown (the init packet, frames replayed from a GOP cache).
    /// </summary>
    public long ArrivalTimestamp { get; init; }

    /// <summary>
    /// The HEADER_MOOV packet a fragment plays with (the muxer's that made it); null for the init packet itself. A
    /// viewer sends it ahead of the first fragment it reads, and again whenever it changes.
    /// </summary>
    public Fmp4Packet? Init { get; init; }
}
