namespace EmsSharp.Protocols.Rtcp;

/// <summary>An RTCP packet of a type or format this library does not interpret, kept as bytes.</summary>
public sealed class RtcpUnknownPacket : RtcpPacket
{
    /// <summary>The whole packet, header included.</summary>
    public required byte[] Data { get; init; }

    /// <summary>Packet type from the header.</summary>
    public byte PacketType => Data[1];

    /// <summary>Copies one packet whose header is valid.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpUnknownPacket packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpHeader.TryRead(data, out var header, out _))
        {
            return false;
        }
        packet = new RtcpUnknownPacket { Data = data[..header.PacketLength].ToArray() };
        consumed = header.PacketLength;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() => Data.Length;

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (!Data.AsSpan().TryCopyTo(destination))
        {
            return false;
        }
        written = Data.Length;
        return true;
    }
}
