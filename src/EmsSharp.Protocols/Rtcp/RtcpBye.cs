using System.Buffers.Binary;
using System.Text;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Goodbye (RFC 3550 §6.6).
/// <code>
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// |                           SSRC/CSRC                           |
/// :                              ...                              :
/// |     length    |               reason for leaving            ... (opt)
/// </code>
/// </summary>
public sealed class RtcpBye : RtcpPacket
{
    /// <summary>Sources leaving (at most 31).</summary>
    public required uint[] Ssrcs { get; init; }

    /// <summary>Optional reason.</summary>
    public string? Reason { get; init; }

    /// <summary>Parses one BYE packet starting at its header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpBye packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpHeader.TryRead(data, out var header, out _) || header.PacketType != RtcpPacketType.Bye)
        {
            return false;
        }
        var body = data[RtcpHeader.Length..header.PacketLength];
        if (body.Length < header.Count * 4)
        {
            return false;
        }
        var ssrcs = new uint[header.Count];
        for (int i = 0; i < ssrcs.Length; i++)
        {
            ssrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(body[(i * 4)..]);
        }
        string? reason = null;
        var rest = body[(header.Count * 4)..];
        if (!rest.IsEmpty && rest[0] > 0)
        {
            if (1 + rest[0] > rest.Length)
            {
                return false;
            }
            reason = Encoding.UTF8.GetString(rest.Slice(1, rest[0]));
        }
        packet = new RtcpBye { Ssrcs = ssrcs, Reason = reason };
        consumed = header.PacketLength;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() =>
        RtcpHeader.Length + (Ssrcs.Length * 4) + (string.IsNullOrEmpty(Reason) ? 0 : (1 + Encoding.UTF8.GetByteCount(Reason) + 3) & ~3);

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (Ssrcs.Length > 31 || (Reason is not null && Encoding.UTF8.GetByteCount(Reason) > 255)
            || !TryWriteHeader(destination, Ssrcs.Length, RtcpPacketType.Bye, out int length))
        {
            return false;
        }
        destination[RtcpHeader.Length..length].Clear();
        for (int i = 0; i < Ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(RtcpHeader.Length + (i * 4))..], Ssrcs[i]);
        }
        if (!string.IsNullOrEmpty(Reason))
        {
            int offset = RtcpHeader.Length + (Ssrcs.Length * 4);
            destination[offset] = (byte)Encoding.UTF8.GetBytes(Reason, destination[(offset + 1)..]);
        }
        written = length;
        return true;
    }
}
