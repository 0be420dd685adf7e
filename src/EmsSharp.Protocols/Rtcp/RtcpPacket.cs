namespace EmsSharp.Protocols.Rtcp;

/// <summary>One RTCP packet of a compound packet (RFC 3550 §6.1).</summary>
public abstract class RtcpPacket
{
    /// <summary>Bytes <see cref="TryWrite"/> writes, header included, a multiple of 4.</summary>
    public abstract int GetSerializedLength();

    /// <summary>Writes the packet with its header; false if it does not fit or cannot be encoded.</summary>
    public abstract bool TryWrite(Span<byte> destination, out int written);

    /// <summary>Checks room and writes the common header for a packet of <see cref="GetSerializedLength"/> bytes.</summary>
    private protected bool TryWriteHeader(Span<byte> destination, int count, byte packetType, out int length)
    {
        length = GetSerializedLength();
        return destination.Length >= length
            && new RtcpHeader(false, count, packetType, length).TryWrite(destination, out _);
    }
}
