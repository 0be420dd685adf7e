using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtsp;

/// <summary>
/// An interleaved binary frame on the RTSP connection (RFC 2326 §10.12, RFC 7826 §14):
/// <code>
/// +--------+--------+-----------------+---------------------
/// |  '$'   | channel|  length (u16 BE)|  payload (length bytes)
/// +--------+--------+-----------------+---------------------
/// </code>
/// </summary>
/// <param name="Channel">The channel number (RTP or RTCP of one track, per the Transport interleaved=).</param>
/// <param name="Length">Payload length.</param>
public readonly record struct RtspInterleavedFrame(byte Channel, int Length)
{
    /// <summary>Magic byte that starts a frame.</summary>
    public const byte Magic = (byte)'$';

    /// <summary>Bytes before the payload.</summary>
    public const int HeaderLength = 4;

    /// <summary>Reads a frame header; <paramref name="consumed"/> covers header and payload. False when incomplete or not a frame.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out RtspInterleavedFrame frame, out int consumed)
    {
        frame = default;
        consumed = 0;
        if (input.Length < HeaderLength || input[0] != Magic)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        if (input.Length < HeaderLength + length)
        {
            return false;
        }

        frame = new RtspInterleavedFrame(input[1], length);
        consumed = HeaderLength + length;
        return true;
    }

    /// <summary>Header plus payload.</summary>
    public int GetSerializedLength() => HeaderLength + Length;

    /// <summary>Writes the 4-byte header only; the caller copies <see cref="Length"/> payload bytes after it.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < HeaderLength || Length > ushort.MaxValue)
        {
            return false;
        }

        destination[0] = Magic;
        destination[1] = Channel;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Length);
        written = HeaderLength;
        return true;
    }
}
