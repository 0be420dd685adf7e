namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Depacketizer for audio formats carrying one frame per packet — Opus (RFC 7587 §4.2) and G.711
/// (RFC 3551 §4.5.14): the payload is the frame. Counts packets lost to sequence gaps and drops
/// duplicates and late packets.
/// </summary>
public sealed class RtpAudioDepacketizer
{
    private ushort _highestSequence;
    private bool _started;

    /// <summary>Packets found missing by sequence gaps so far.</summary>
    public long LostPackets { get; private set; }

    /// <summary>
    /// Accepts the payload of one RTP packet; false for empty payloads and for duplicates or packets
    /// older than the newest one (a live player cannot use them).
    /// </summary>
    public bool TryPush(ReadOnlySpan<byte> payload, ushort sequenceNumber, out ReadOnlySpan<byte> frame)
    {
        frame = default;
        if (payload.IsEmpty)
        {
            return false;
        }
        if (_started)
        {
            short delta = (short)(ushort)(sequenceNumber - _highestSequence);
            if (delta <= 0)
            {
                return false;
            }
            LostPackets += delta - 1;
        }
        _started = true;
        _highestSequence = sequenceNumber;
        frame = payload;
        return true;
    }
}
