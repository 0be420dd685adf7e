namespace EmsSharp.Protocols.Rtp;

/// <summary>Splits one media unit into RTP payloads, one per call (<see cref="H264Packetizer"/>, <see cref="Mpeg4GenericPacketizer"/>).</summary>
public interface IRtpPayloadPacketizer
{
    /// <summary>Writes the next payload into <paramref name="destination"/>; false when the unit is all written.</summary>
    bool TryWriteNext(Span<byte> destination, out int written, out bool marker);
}
