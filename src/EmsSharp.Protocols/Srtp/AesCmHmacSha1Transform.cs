using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EmsSharp.Protocols.Srtp;

/// <summary>AES_CM_128 encryption with an 80-bit HMAC-SHA1 tag (RFC 3711 §4.1.1, §4.2.1).</summary>
internal sealed class AesCmHmacSha1Transform : ISrtpTransform
{
    private const int Tag = 10;
    private readonly AesCounterModeCipher _cipher;
    private readonly IncrementalHash _hmac;
    private readonly byte[] _salt = new byte[14];
    private readonly byte[] _iv = new byte[16];
    private readonly byte[] _mac = new byte[20];

    public AesCmHmacSha1Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> authKey)
    {
        _cipher = new AesCounterModeCipher(key);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, authKey);
        salt.CopyTo(_salt);
    }

    public int TagLength => Tag;

    public void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ushort sequenceNumber)
    {
        Encrypt(packet[headerLength..length], ssrc, ((ulong)rolloverCounter << 16) | sequenceNumber);
        // RFC 3711 §4.2: the tag covers the authenticated portion || ROC.
        ComputeMac(packet[..length], rolloverCounter, includeRoc: true);
        _mac.AsSpan(0, Tag).CopyTo(packet[length..]);
    }

    public bool TryUnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ushort sequenceNumber)
    {
        int body = length - Tag;
        ComputeMac(packet[..body], rolloverCounter, includeRoc: true);
        // RFC 3711 §3.3 step 5: authenticate before decrypting, in constant time.
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, Tag), packet.Slice(body, Tag)))
        {
            return false;
        }
        Encrypt(packet[headerLength..body], ssrc, ((ulong)rolloverCounter << 16) | sequenceNumber);
        return true;
    }

    public void ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Encrypt(packet[8..length], ssrc, index);
        // RFC 3711 §3.4: E || SRTCP index follow the encrypted portion and are authenticated.
        BinaryPrimitives.WriteUInt32BigEndian(packet[length..], 0x8000_0000u | index);
        ComputeMac(packet[..(length + 4)], 0, includeRoc: false);
        _mac.AsSpan(0, Tag).CopyTo(packet[(length + 4)..]);
    }

    public uint ReadRtcpIndexWord(ReadOnlySpan<byte> packet, int length) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet[(length - Tag - 4)..]);

    public bool TryUnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord)
    {
        int authenticated = length - Tag;
        ComputeMac(packet[..authenticated], 0, includeRoc: false);
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, Tag), packet.Slice(authenticated, Tag)))
        {
            return false;
        }
        if ((indexWord & 0x8000_0000u) != 0)
        {
            Encrypt(packet[8..(authenticated - 4)], ssrc, indexWord & 0x7FFF_FFFFu);
        }
        return true;
    }

    private void Encrypt(Span<byte> data, uint ssrc, ulong index)
    {
        // RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
        var iv = _iv.AsSpan();
        _salt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        iv[4] ^= (byte)(ssrc >> 24);
        iv[5] ^= (byte)(ssrc >> 16);
        iv[6] ^= (byte)(ssrc >> 8);
        iv[7] ^= (byte)ssrc;
        for (int i = 0; i < 6; i++)
        {
            iv[13 - i] ^= (byte)(index >> (8 * i));
        }
        _cipher.Transform(iv, data);
    }

    private void ComputeMac(ReadOnlySpan<byte> authenticated, uint rolloverCounter, bool includeRoc)
    {
        _hmac.AppendData(authenticated);
        if (includeRoc)
        {
            Span<byte> roc = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(roc, rolloverCounter);
            _hmac.AppendData(roc);
        }
        _hmac.GetHashAndReset(_mac);
    }

    public void Dispose()
    {
        _cipher.Dispose();
        _hmac.Dispose();
    }
}
