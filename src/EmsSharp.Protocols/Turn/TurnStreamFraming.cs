using System.Buffers.Binary;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// Splits a TCP/TLS byte stream into STUN and ChannelData messages (RFC 8656 §12.5) from their
/// declared lengths, checked against the maximums before anything is buffered.
/// </summary>
public static class TurnStreamFraming
{
    /// <summary>Bytes a reader must hold to decide a frame's length.</summary>
    public const int PrefixLength = 8;

    /// <summary>The largest frame this framing accepts.</summary>
    public const int MaxFrameLength = StunMessage.MaxLength;

    /// <summary>Reads the length of the frame that <paramref name="buffered"/> starts with.</summary>
    public static TurnFrameStatus TryGetFrameLength(ReadOnlySpan<byte> buffered, out int frameLength)
    {
        frameLength = 0;
        if (buffered.Length < TurnChannelData.HeaderLength)
        {
            return TurnFrameStatus.NeedMore;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(buffered[2..]);
        switch (buffered[0] >> 6)
        {
            case 0:
                // RFC 8489 §5: STUN, 20-byte header plus a length that is a multiple of 4.
                if ((length & 3) != 0 || length > StunMessage.MaxLength - StunMessage.HeaderLength)
                {
                    return TurnFrameStatus.Invalid;
                }

                if (buffered.Length < PrefixLength)
                {
                    return TurnFrameStatus.NeedMore;
                }

                if (BinaryPrimitives.ReadUInt32BigEndian(buffered[4..]) != StunMessage.MagicCookie)
                {
                    return TurnFrameStatus.Invalid;
                }

                frameLength = StunMessage.HeaderLength + length;
                return TurnFrameStatus.Complete;
            case 1:
                // RFC 8656 §12.5: ChannelData over a stream is padded to a multiple of 4.
                if (!TurnChannelData.IsChannelNumber(BinaryPrimitives.ReadUInt16BigEndian(buffered))
                    || length > TurnServer.MaxPayloadLength)
                {
                    return TurnFrameStatus.Invalid;
                }

                frameLength = TurnChannelData.GetSerializedLength(length, padded: true);
                return TurnFrameStatus.Complete;
            default:
                return TurnFrameStatus.Invalid;
        }
    }
}
