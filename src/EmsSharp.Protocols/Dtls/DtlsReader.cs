using System.Buffers.Binary;

namespace EmsSharp.Protocols.Dtls;

/// <summary>
/// A bounds-checked reader of TLS presentation-language structures (RFC 5246 §4): every read past the end, and every
/// vector whose length overruns what holds it, is a decode_error (RFC 5246 §7.2.2), never an index exception.
/// </summary>
internal ref struct DtlsReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsEmpty => _position == _data.Length;

    public byte ReadUInt8()
    {
        Need(1);
        return _data[_position++];
    }

    public ushort ReadUInt16()
    {
        Need(2);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_data[_position..]);
        _position += 2;
        return value;
    }

    public int ReadUInt24()
    {
        Need(3);
        var value = (_data[_position] << 16) | (_data[_position + 1] << 8) | _data[_position + 2];
        _position += 3;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int length)
    {
        Need(length);
        var value = _data.Slice(_position, length);
        _position += length;
        return value;
    }

    /// <summary>opaque v&lt;min..2^8-1&gt;.</summary>
    public ReadOnlySpan<byte> ReadVector8(int min = 0) => Vector(ReadUInt8(), min);

    /// <summary>opaque v&lt;min..2^16-1&gt;.</summary>
    public ReadOnlySpan<byte> ReadVector16(int min = 0) => Vector(ReadUInt16(), min);

    /// <summary>opaque v&lt;min..2^24-1&gt;.</summary>
    public ReadOnlySpan<byte> ReadVector24(int min = 0) => Vector(ReadUInt24(), min);

    /// <summary>Nothing may follow a structure's last field.</summary>
    public readonly void ExpectEnd(string what)
    {
        if (!IsEmpty)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, $"{Remaining} bytes after {what}");
        }
    }

    private ReadOnlySpan<byte> Vector(int length, int min)
    {
        if (length < min)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, $"vector of {length} bytes, at least {min} expected");
        }

        return ReadBytes(length);
    }

    private readonly void Need(int length)
    {
        if (length > Remaining)
        {
            throw new DtlsAlertException(DtlsAlert.DecodeError, "truncated message");
        }
    }
}

/// <summary>Alert descriptions this endpoint sends (RFC 5246 §7.2, RFC 5746 §3.4).</summary>
internal static class DtlsAlert
{
    public const byte CloseNotify = 0;
    public const byte UnexpectedMessage = 10;
    public const byte BadRecordMac = 20;
    public const byte HandshakeFailure = 40;
    public const byte BadCertificate = 42;
    public const byte UnsupportedCertificate = 43;
    public const byte IllegalParameter = 47;
    public const byte DecodeError = 50;
    public const byte DecryptError = 51;
    public const byte ProtocolVersion = 70;
    public const byte InternalError = 80;
    public const byte UnsupportedExtension = 110;

    public static string Name(byte description) => description switch
    {
        CloseNotify => "close_notify",
        UnexpectedMessage => "unexpected_message",
        BadRecordMac => "bad_record_mac",
        HandshakeFailure => "handshake_failure",
        BadCertificate => "bad_certificate",
        UnsupportedCertificate => "unsupported_certificate",
        IllegalParameter => "illegal_parameter",
        DecodeError => "decode_error",
        DecryptError => "decrypt_error",
        ProtocolVersion => "protocol_version",
        InternalError => "internal_error",
        UnsupportedExtension => "unsupported_extension",
        _ => "alert " + description,
    };
}

/// <summary>A fatal condition of the handshake: the endpoint sends the alert and closes with the reason.</summary>
internal sealed class DtlsAlertException(byte alert, string reason) : Exception(reason)
{
    public byte Alert { get; } = alert;
}
