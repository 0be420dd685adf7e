using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Writes an RTP header extension block (RFC 8285) right after the fixed header: the 4-byte
/// profile/length word, then elements, padded to 32 bits.
/// <code>
/// one-byte form (§4.2):  0xBE 0xDE | length | [ID(4) L(4) data(L+1)]... | padding
/// two-byte form (§4.3):  0x10 0x0 appbits(4) | length | [ID(8) L(8) data(L)]... | padding
/// </code>
/// </summary>
public ref struct RtpHeaderExtensionWriter
{
    /// <summary>Profile value of the one-byte form.</summary>
    public const ushort OneByteProfile = 0xBEDE;

    /// <summary>Profile value of the two-byte form (app bits 0).</summary>
    public const ushort TwoByteProfile = 0x1000;

    private readonly Span<byte> _destination;
    private readonly bool _twoByte;
    private int _position;

    /// <summary>Starts a block in <paramref name="destination"/>; the two-byte form allows ids up to 255 and 255-byte values.</summary>
    public RtpHeaderExtensionWriter(Span<byte> destination, bool twoByte = false)
    {
        _destination = destination;
        _twoByte = twoByte;
        _position = 4;
    }

    /// <summary>Appends one element; false if the id or length is invalid for the form or space runs out.</summary>
    public bool TryAdd(int id, scoped ReadOnlySpan<byte> value)
    {
        if (_twoByte)
        {
            // RFC 8285 §4.3: id 1..255, length 0..255.
            if (id is < 1 or > 255 || value.Length > 255 || _position + 2 + value.Length > _destination.Length)
            {
                return false;
            }
            _destination[_position] = (byte)id;
            _destination[_position + 1] = (byte)value.Length;
            _position += 2;
        }
        else
        {
            // RFC 8285 §4.2: id 1..14 (15 reserved), length 1..16 stored as length-1.
            if (id is < 1 or > 14 || value.Length is < 1 or > 16 || _position + 1 + value.Length > _destination.Length)
            {
                return false;
            }
            _destination[_position] = (byte)((id << 4) | (value.Length - 1));
            _position++;
        }
        value.CopyTo(_destination[_position..]);
        _position += value.Length;
        return true;
    }

    /// <summary>Appends the SDES MID (RFC 8843 §15.2), ASCII.</summary>
    public bool TryAddMid(int id, string mid)
    {
        Span<byte> value = stackalloc byte[16];
        if (mid.Length is 0 or > 16)
        {
            return false;
        }
        for (int i = 0; i < mid.Length; i++)
        {
            if (mid[i] > 0x7F)
            {
                return false;
            }
            value[i] = (byte)mid[i];
        }
        return TryAdd(id, value[..mid.Length]);
    }

    /// <summary>
    /// Appends abs-send-time: 24-bit, 6.18 fixed-point seconds of <paramref name="sendTime"/>
    /// (webrtc.org abs-send-time; any monotonic origin works, receivers use differences).
    /// </summary>
    public bool TryAddAbsSendTime(int id, TimeSpan sendTime)
    {
        Span<byte> value = stackalloc byte[3];
        uint fixedPoint = ToAbsSendTime(sendTime);
        value[0] = (byte)(fixedPoint >> 16);
        value[1] = (byte)(fixedPoint >> 8);
        value[2] = (byte)fixedPoint;
        return TryAdd(id, value);
    }

    /// <summary>Appends the transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).</summary>
    public bool TryAddTransportSequenceNumber(int id, ushort sequenceNumber)
    {
        Span<byte> value = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(value, sequenceNumber);
        return TryAdd(id, value);
    }

    /// <summary>
    /// Pads to a 32-bit boundary and writes the profile/length word. <paramref name="written"/> counts
    /// the whole block. False if nothing was added or the padding does not fit.
    /// </summary>
    public bool TryComplete(out int written)
    {
        written = 0;
        int padded = (_position + 3) & ~3;
        if (_position == 4 || padded > _destination.Length)
        {
            return false;
        }
        _destination[_position..padded].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(_destination, _twoByte ? TwoByteProfile : OneByteProfile);
        BinaryPrimitives.WriteUInt16BigEndian(_destination[2..], (ushort)((padded - 4) / 4));
        written = padded;
        return true;
    }

    /// <summary>The 24-bit 6.18 fixed-point value of abs-send-time for <paramref name="sendTime"/>.</summary>
    public static uint ToAbsSendTime(TimeSpan sendTime)
    {
        // Only the low 6 integer bits survive, so reduce modulo 64 s first to avoid overflow.
        long ticks = sendTime.Ticks % (64 * TimeSpan.TicksPerSecond);
        if (ticks < 0)
        {
            ticks += 64 * TimeSpan.TicksPerSecond;
        }
        return (uint)((ticks << 18) / TimeSpan.TicksPerSecond) & 0xFFFFFF;
    }
}
