using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EmsSharp.Protocols.Stun;

/// <summary>A STUN message (RFC 8489 §5, compatible with RFC 5389).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (96 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Outgoing messages carry MESSAGE-INTEGRITY (or MESSAGE-INTEGRITY-SHA256 with <see cref="UseSha256Integrity"/>)
/// when <see cref="IntegrityKey"/> is set and FINGERPRINT
/// when <see cref="AddFingerprint"/> is true; both are appended by <see cref="TryWrite"/>.
/// </remarks>
internal sealed class StunMessage
{
    public const int HeaderLength = 20;
    public const uint MagicCookie = 0x2112A442;
    public const ushort BindingMethod = 0x001;

    /// <summary>Largest message accepted or produced (well above the path MTU ICE uses).</summary>
    public const int MaxLength = 2048;

    private const int MaxAttributes = 64;
    private const uint FingerprintXor = 0x5354554E;
    private const int IntegrityLength = 20;
    private const int IntegritySha256Length = 32;
    private const int MinIntegritySha256Length = 16;

    private readonly List<StunAttribute> _attributes = [];

    public StunMessage(StunClass messageClass, ushort method, byte[] transactionId)
    {
        Class = messageClass;
        Method = method;
        TransactionId = transactionId;
    }

    public StunClass Class { get; }

    public ushort Method { get; }

    /// <summary>The 96-bit transaction id (12 bytes).</summary>
    public byte[] TransactionId { get; }

    public IReadOnlyList<StunAttribute> Attributes => _attributes;

    /// <summary>Key for MESSAGE-INTEGRITY (HMAC-SHA1) on write; null for none.</summary>
    public byte[]? IntegrityKey { get; set; }

    /// <summary>Write MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6) instead of MESSAGE-INTEGRITY.</summary>
    public bool UseSha256Integrity { get; set; }

    public bool AddFingerprint { get; set; }

    /// <summary>Offset of the MESSAGE-INTEGRITY attribute header in the parsed datagram, -1 when absent.</summary>
    public int IntegrityOffset { get; private set; } = -1;

    /// <summary>Offset of the MESSAGE-INTEGRITY-SHA256 attribute header in the parsed datagram, -1 when absent.</summary>
    public int IntegritySha256Offset { get; private set; } = -1;

    /// <summary>Offset of the FINGERPRINT attribute header in the parsed datagram, -1 when absent.</summary>
    public int FingerprintOffset { get; private set; } = -1;

    public static byte[] NewTransactionId()
    {
        var id = new byte[12];
        RandomNumberGenerator.Fill(id);
        return id;
    }

    /// <summary>Quick check (RFC 7983 first byte 0..3 and the magic cookie) without parsing.</summary>
    public static bool IsStun(ReadOnlySpan<byte> data) =>
        data.Length >= HeaderLength && data[0] < 4 &&
        BinaryPrimitives.ReadUInt32BigEndian(data[4..]) == MagicCookie;

    public static bool TryRead(ReadOnlySpan<byte> data, out StunMessage? message, out int consumed)
    {
        message = null;
        consumed = 0;
        if (!IsStun(data))
        {
            return false;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(data);
        var length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        // RFC 8489 §5: the length is a multiple of 4 and excludes the 20-byte header.
        if ((length & 3) != 0 || length > MaxLength - HeaderLength || HeaderLength + length > data.Length)
        {
            return false;
        }

        // RFC 8489 §5: C1 is bit 8 and C0 bit 4 of the type; the method is the remaining 12 bits.
        var cls = (StunClass)(((type >> 7) & 0x2) | ((type >> 4) & 0x1));
        var method = (ushort)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
        var msg = new StunMessage(cls, method, data.Slice(8, 12).ToArray());
        var body = data.Slice(0, HeaderLength + length);
        var pos = HeaderLength;
        while (pos < body.Length)
        {
            if (body.Length - pos < 4 || msg._attributes.Count >= MaxAttributes || msg.FingerprintOffset >= 0)
            {
                return false;
            }

            var attrType = BinaryPrimitives.ReadUInt16BigEndian(body[pos..]);
            var attrLength = BinaryPrimitives.ReadUInt16BigEndian(body[(pos + 2)..]);
            var padded = (attrLength + 3) & ~3;
            if (padded > body.Length - pos - 4)
            {
                return false;
            }

            if (attrType == StunAttributeType.Fingerprint)
            {
                if (attrLength != 4)
                {
                    return false;
                }

                msg.FingerprintOffset = pos;
            }
            else if (attrType == StunAttributeType.MessageIntegritySha256 && msg.IntegritySha256Offset < 0)
            {
                // RFC 8489 §14.6: 16 to 32 bytes, a multiple of 4; it may follow MESSAGE-INTEGRITY.
                if (attrLength is < MinIntegritySha256Length or > IntegritySha256Length || (attrLength & 3) != 0)
                {
                    return false;
                }

                msg.IntegritySha256Offset = pos;
            }
            else if (attrType == StunAttributeType.MessageIntegrity && msg.IntegritySha256Offset < 0)
            {
                if (attrLength != IntegrityLength || msg.IntegrityOffset >= 0)
                {
                    return false;
                }

                msg.IntegrityOffset = pos;
            }
            else if (msg.IntegrityOffset >= 0 || msg.IntegritySha256Offset >= 0)
            {
                // RFC 8489 §14.5, §14.6: attributes after the integrity attributes, other than FINGERPRINT, are ignored.
                pos += 4 + padded;
                continue;
            }

            msg._attributes.Add(new StunAttribute(attrType, body.Slice(pos + 4, attrLength).ToArray(), pos));
            pos += 4 + padded;
        }

        message = msg;
        consumed = body.Length;
        return true;
    }

    /// <summary>Checks FINGERPRINT, when present (RFC 8489 §14.7). A message without one passes.</summary>
    public static bool VerifyFingerprint(ReadOnlySpan<byte> datagram, StunMessage parsed)
    {
        if (parsed.FingerprintOffset < 0)
        {
            return true;
        }

        var offset = parsed.FingerprintOffset;
        var expected = ComputeFingerprint(datagram[..offset], offset + 8 - HeaderLength);
        return BinaryPrimitives.ReadUInt32BigEndian(datagram[(offset + 4)..]) == expected;
    }

    /// <summary>Checks MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) with <paramref name="key"/>.</summary>
    public static bool VerifyIntegrity(ReadOnlySpan<byte> datagram, StunMessage parsed, ReadOnlySpan<byte> key)
    {
        if (parsed.IntegrityOffset < 0)
        {
            return false;
        }

        var offset = parsed.IntegrityOffset;
        Span<byte> mac = stackalloc byte[IntegrityLength];
        ComputeIntegrity(HashAlgorithmName.SHA1, datagram[..offset], offset + 4 + IntegrityLength - HeaderLength, key, mac);
        return CryptographicOperations.FixedTimeEquals(mac, datagram.Slice(offset + 4, IntegrityLength));
    }

    /// <summary>
    /// Checks MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, possibly truncated to 16..32 bytes, RFC 8489 §14.6)
    /// with <paramref name="key"/>.
    /// </summary>
    public static bool VerifyIntegritySha256(ReadOnlySpan<byte> datagram, StunMessage parsed, ReadOnlySpan<byte> key)
    {
        if (parsed.IntegritySha256Offset < 0)
        {
            return false;
        }

        var offset = parsed.IntegritySha256Offset;
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
        Span<byte> mac = stackalloc byte[IntegritySha256Length];
        ComputeIntegrity(HashAlgorithmName.SHA256, datagram[..offset], offset + 4 + length - HeaderLength, key, mac);
        return CryptographicOperations.FixedTimeEquals(mac[..length], datagram.Slice(offset + 4, length));
    }

    public void Add(ushort type, byte[] value) => _attributes.Add(new StunAttribute(type, value, -1));

    public void AddUsername(string username) => Add(StunAttributeType.Username, Encoding.UTF8.GetBytes(username));

    public void AddUInt32(ushort type, uint value)
    {
        var v = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v, value);
        Add(type, v);
    }

    public void AddUInt64(ushort type, ulong value)
    {
        var v = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(v, value);
        Add(type, v);
    }

    public void AddFlag(ushort type) => Add(type, []);

    /// <summary>ERROR-CODE (RFC 8489 §14.8): class = hundreds, number = code mod 100, UTF-8 reason.</summary>
    public void AddErrorCode(int code, string reason)
    {
        var text = Encoding.UTF8.GetBytes(reason);
        var v = new byte[4 + text.Length];
        v[2] = (byte)(code / 100);
        v[3] = (byte)(code % 100);
        text.CopyTo(v, 4);
        Add(StunAttributeType.ErrorCode, v);
    }

    public void AddXorMappedAddress(System.Net.IPEndPoint endPoint) =>
        Add(StunAttributeType.XorMappedAddress, StunXorAddress.Encode(endPoint, TransactionId));

    public bool TryGetAttribute(ushort type, out byte[] value)
    {
        foreach (var a in _attributes)
        {
            if (a.Type == type)
            {
                value = a.Value;
                return true;
            }
        }

        value = [];
        return false;
    }

    public bool Has(ushort type) => TryGetAttribute(type, out _);

    public string? GetUsername() =>
        TryGetAttribute(StunAttributeType.Username, out var v) ? Encoding.UTF8.GetString(v) : null;

    public bool TryGetUInt32(ushort type, out uint value)
    {
        value = 0;
        if (!TryGetAttribute(type, out var v) || v.Length != 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(v);
        return true;
    }

    public bool TryGetUInt64(ushort type, out ulong value)
    {
        value = 0;
        if (!TryGetAttribute(type, out var v) || v.Length != 8)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(v);
        return true;
    }

    public bool TryGetErrorCode(out int code, out string reason)
    {
        code = 0;
        reason = string.Empty;
        if (!TryGetAttribute(StunAttributeType.ErrorCode, out var v) || v.Length < 4)
        {
            return false;
        }

        code = ((v[2] & 0x7) * 100) + v[3];
        reason = Encoding.UTF8.GetString(v.AsSpan(4));
        return true;
    }

    public bool TryGetXorMappedAddress(out System.Net.IPEndPoint? endPoint)
    {
        endPoint = null;
        return TryGetAttribute(StunAttributeType.XorMappedAddress, out var v) &&
            StunXorAddress.TryDecode(v, TransactionId, out endPoint);
    }

    public int GetSerializedLength()
    {
        var length = HeaderLength;
        foreach (var a in _attributes)
        {
            length += 4 + ((a.Value.Length + 3) & ~3);
        }

        if (IntegrityKey is not null)
        {
            length += 4 + (UseSha256Integrity ? IntegritySha256Length : IntegrityLength);
        }

        if (AddFingerprint)
        {
            length += 8;
        }

        return length;
    }

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var total = GetSerializedLength();
        if (total > destination.Length || total > MaxLength || TransactionId.Length != 12)
        {
            return false;
        }

        var cls = (int)Class;
        // RFC 8489 §5: interleave class bits C1 (bit 8) and C0 (bit 4) into the method.
        var type = (Method & 0x000F) | ((Method & 0x0070) << 1) | ((Method & 0x0F80) << 2) |
            ((cls & 0x1) << 4) | ((cls & 0x2) << 7);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], MagicCookie);
        TransactionId.CopyTo(destination[8..]);
        var pos = HeaderLength;
        foreach (var a in _attributes)
        {
            if (a.Value.Length > ushort.MaxValue)
            {
                return false;
            }

            pos = WriteAttribute(destination, pos, a.Type, a.Value);
        }

        if (IntegrityKey is not null)
        {
            // RFC 8489 §14.5: the HMAC covers the message up to the attribute, with the length
            // field already counting the MESSAGE-INTEGRITY attribute.
            // RFC 8489 §14.6: MESSAGE-INTEGRITY-SHA256 is computed the same way with HMAC-SHA256.
            var (integrityType, macLength, algorithm) = UseSha256Integrity
                ? (StunAttributeType.MessageIntegritySha256, IntegritySha256Length, HashAlgorithmName.SHA256)
                : (StunAttributeType.MessageIntegrity, IntegrityLength, HashAlgorithmName.SHA1);
            BinaryPrimitives.WriteUInt16BigEndian(destination[pos..], integrityType);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(pos + 2)..], (ushort)macLength);
            ComputeIntegrity(algorithm, destination[..pos], pos + 4 + macLength - HeaderLength, IntegrityKey,
                destination.Slice(pos + 4, macLength));
            pos += 4 + macLength;
        }

        if (AddFingerprint)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[pos..], StunAttributeType.Fingerprint);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(pos + 2)..], 4);
            var crc = ComputeFingerprint(destination[..pos], pos + 8 - HeaderLength);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(pos + 4)..], crc);
            pos += 8;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(pos - HeaderLength));
        written = pos;
        return true;
    }

    public byte[] ToArray()
    {
        var buffer = new byte[GetSerializedLength()];
        return TryWrite(buffer, out _) ? buffer : throw new InvalidOperationException("STUN message too large.");
    }

    private static int WriteAttribute(Span<byte> destination, int pos, ushort type, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination[pos..], type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(pos + 2)..], (ushort)value.Length);
        value.CopyTo(destination[(pos + 4)..]);
        var padded = (value.Length + 3) & ~3;
        destination.Slice(pos + 4 + value.Length, padded - value.Length).Clear();
        return pos + 4 + padded;
    }

    private static void ComputeIntegrity(HashAlgorithmName algorithm, ReadOnlySpan<byte> prefix, int adjustedLength,
        ReadOnlySpan<byte> key, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(algorithm, key);
        Span<byte> header = stackalloc byte[4];
        prefix[..2].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)adjustedLength);
        hmac.AppendData(header);
        hmac.AppendData(prefix[4..]);
        hmac.GetHashAndReset(mac);
    }

    private static uint ComputeFingerprint(ReadOnlySpan<byte> prefix, int adjustedLength)
    {
        // RFC 8489 §14.7: CRC-32 of the message up to the attribute (length field counting it), XOR 0x5354554e.
        var copy = prefix.Length <= 512 ? stackalloc byte[prefix.Length] : new byte[prefix.Length];
        prefix.CopyTo(copy);
        BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)adjustedLength);
        return StunCrc32.Compute(copy) ^ FingerprintXor;
    }
}
