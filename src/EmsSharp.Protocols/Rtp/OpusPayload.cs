namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Opus in RTP (RFC 7587): one Opus packet per RTP payload, unchanged (§4.2), with a 48 kHz RTP clock
/// whatever the coded bandwidth (§4.1).
/// </summary>
public static class OpusPayload
{
    /// <summary>RTP clock rate of Opus (RFC 7587 §4.1).</summary>
    public const int ClockRate = 48000;

    /// <summary>Largest Opus packet accepted (RFC 6716 §3.4: at most 1275 bytes per frame; 120 ms of frames).</summary>
    public const int MaxPacketSize = 1275 * 3;

    /// <summary>Copies one Opus packet as the RTP payload; false if empty, too large or the destination is short.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> opusPacket, Span<byte> destination, out int written)
    {
        written = 0;
        if (opusPacket.IsEmpty || opusPacket.Length > MaxPacketSize || opusPacket.Length > destination.Length)
        {
            return false;
        }
        opusPacket.CopyTo(destination);
        written = opusPacket.Length;
        return true;
    }

    /// <summary>RTP timestamp increment for a frame of <paramref name="duration"/> at 48 kHz.</summary>
    public static uint GetTimestampIncrement(TimeSpan duration) => (uint)(duration.Ticks * ClockRate / TimeSpan.TicksPerSecond);
}
