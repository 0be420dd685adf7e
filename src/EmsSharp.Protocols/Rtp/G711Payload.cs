namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// PCMU and PCMA in RTP (RFC 3551 §4.5.14): one octet per sample at 8 kHz, payload types 0 and 8,
/// packets of a whole number of samples (20 ms = 160 bytes by default, §4.2).
/// </summary>
public static class G711Payload
{
    /// <summary>Static payload type of PCMU (RFC 3551 Table 4).</summary>
    public const byte PcmuPayloadType = 0;

    /// <summary>Static payload type of PCMA (RFC 3551 Table 4).</summary>
    public const byte PcmaPayloadType = 8;

    /// <summary>RTP clock rate of G.711.</summary>
    public const int ClockRate = 8000;

    /// <summary>Samples in a 20 ms packet.</summary>
    public const int DefaultSamplesPerPacket = 160;

    /// <summary>Number of packets <see cref="TryWrite"/> cuts <paramref name="sampleCount"/> samples into.</summary>
    public static int GetPacketCount(int sampleCount, int samplesPerPacket = DefaultSamplesPerPacket) =>
        (sampleCount + samplesPerPacket - 1) / samplesPerPacket;

    /// <summary>
    /// Writes packet <paramref name="packetIndex"/> of <paramref name="samples"/> cut into
    /// <paramref name="samplesPerPacket"/>-sample payloads. <paramref name="timestampOffset"/> is the RTP
    /// timestamp offset from the first sample (one tick per sample).
    /// </summary>
    public static bool TryWrite(
        ReadOnlySpan<byte> samples, int packetIndex, Span<byte> destination, out int written, out uint timestampOffset,
        int samplesPerPacket = DefaultSamplesPerPacket)
    {
        written = 0;
        timestampOffset = 0;
        int start = packetIndex * samplesPerPacket;
        if (samplesPerPacket <= 0 || packetIndex < 0 || start >= samples.Length)
        {
            return false;
        }
        int count = Math.Min(samplesPerPacket, samples.Length - start);
        if (count > destination.Length)
        {
            return false;
        }
        samples.Slice(start, count).CopyTo(destination);
        written = count;
        timestampOffset = (uint)start;
        return true;
    }
}
