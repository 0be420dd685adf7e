using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtcp;

/// <summary>
/// Receiver estimated maximum bitrate, PSFB FMT 15 "application layer feedback" (draft-alvestrand-rmcat-remb-03 §2.2).
/// <code>
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source (0)                     |
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// |  Num SSRC     | BR Exp    |  BR Mantissa (18 bits)            |
/// |   SSRC feedback                                               |  (Num SSRC times)
/// </code>
/// </summary>
public sealed class RtcpRemb : RtcpPacket
{
    /// <summary>Feedback message type of application layer feedback.</summary>
    public const int Format = 15;

    private const uint Identifier = 0x52454D42; // "REMB"

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; init; }

    /// <summary>Estimated maximum bitrate in bits per second (as encoded: mantissa * 2^exp).</summary>
    public required ulong Bitrate { get; init; }

    /// <summary>Media SSRCs the estimate applies to (at most 255).</summary>
    public required uint[] Ssrcs { get; init; }

    /// <summary>Parses one REMB starting at its header; false for other application feedback.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RtcpRemb packet, out int consumed)
    {
        packet = null!;
        consumed = 0;
        if (!RtcpFeedbackHeader.TryRead(data, RtcpPacketType.PayloadFeedback, Format, out uint sender, out _, out var fci, out int length)
            || fci.Length < 8 || BinaryPrimitives.ReadUInt32BigEndian(fci) != Identifier || fci.Length < 8 + (fci[4] * 4))
        {
            return false;
        }
        int exponent = fci[5] >> 2;
        ulong mantissa = ((uint)(fci[5] & 0x03) << 16) | BinaryPrimitives.ReadUInt16BigEndian(fci[6..]);
        var ssrcs = new uint[fci[4]];
        for (int i = 0; i < ssrcs.Length; i++)
        {
            ssrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(fci[(8 + (i * 4))..]);
        }
        // 18-bit mantissa shifted by up to 63 can overflow 64 bits; saturate.
        ulong bitrate = exponent > 46 && mantissa != 0 ? ulong.MaxValue : mantissa << exponent;
        packet = new RtcpRemb { SenderSsrc = sender, Bitrate = bitrate, Ssrcs = ssrcs };
        consumed = length;
        return true;
    }

    /// <inheritdoc/>
    public override int GetSerializedLength() => RtcpFeedbackHeader.Length + 8 + (Ssrcs.Length * 4);

    /// <inheritdoc/>
    public override bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetSerializedLength();
        if (Ssrcs.Length > 255
            || !RtcpFeedbackHeader.TryWrite(destination, RtcpPacketType.PayloadFeedback, Format, SenderSsrc, 0, length))
        {
            return false;
        }
        ulong mantissa = Bitrate;
        int exponent = 0;
        while (mantissa > 0x3FFFF)
        {
            mantissa >>= 1;
            exponent++;
        }
        var fci = destination[RtcpFeedbackHeader.Length..];
        BinaryPrimitives.WriteUInt32BigEndian(fci, Identifier);
        fci[4] = (byte)Ssrcs.Length;
        fci[5] = (byte)((exponent << 2) | (int)(mantissa >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(fci[6..], (ushort)mantissa);
        for (int i = 0; i < Ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(fci[(8 + (i * 4))..], Ssrcs[i]);
        }
        written = length;
        return true;
    }
}
