using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// One frame of a stream turned into RTP payloads once, for all viewers: immutable and shared by reference (each
/// viewer's send history keeps references to <see cref="Payloads"/> to answer NACKs). Per viewer only the RTP
/// header, the copy into the viewer's buffer and SRTP remain.
/// </summary>
internal sealed class RtpAccessUnit
{
    internal RtpAccessUnit(TrackKind kind, MediaCodec codec, uint timestamp, bool isKeyframe, long arrivalTimestamp, RtpPayload[] payloads, int length)
    {
        Kind = kind;
        Codec = codec;
        Timestamp = timestamp;
        IsKeyframe = isKeyframe;
        ArrivalTimestamp = arrivalTimestamp;
        Payloads = payloads;
        Length = length;
    }

    /// <summary>Video or audio.</summary>
    public TrackKind Kind { get; }

    /// <summary>The codec (H.264; Opus, PCMU or PCMA passed through).</summary>
    public MediaCodec Codec { get; }

    /// <summary>RTP timestamp before the viewer's random offset (90 kHz video, RFC 6184 §5.1; the audio clock).</summary>
    public uint Timestamp { get; }

    /// <summary>A video keyframe (an IDR access unit, with SPS/PPS ahead): where a viewer may start or resume.</summary>
    public bool IsKeyframe { get; }

    /// <summary>The frame's arrival in the hub (<see cref="MediaFrame.ArrivalTimestamp"/>); 0 when unknown.</summary>
    public long ArrivalTimestamp { get; }

    /// <summary>The RTP payloads in send order.</summary>
    public IReadOnlyList<RtpPayload> Payloads { get; }

    /// <summary>Payload bytes in total.</summary>
    public int Length { get; }
}
