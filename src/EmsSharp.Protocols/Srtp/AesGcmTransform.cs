using System.Buffers.Binary;

namespace EmsSharp.Protocols.Srtp;

/// <summary>AEAD_AES_128_GCM for SRTP and SRTCP (RFC 7714 §8, §9) with a 16-byte tag.</summary>
internal sealed class AesGcmTransform : ISrtpTransform
{
    private const int Tag = AesGcmCiphers.TagLength;
    private readonly IAesGcmCipher _gcm;
    private readonly byte[] _salt = new byte[12];

    public AesGcmTransform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt)
    {
        _gcm = AesGcmCiphers.Create(key);
        salt[..12].CopyTo(_salt);
    }

    public int TagLength => Tag;

    public void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ushort sequenceNumber)
    {
        Span<byte> iv = stackalloc byte[12];
        RtpIv(iv, ssrc, rolloverCounter, sequenceNumber);
        var payload = packet[headerLength..length];
        // RFC 7714 §8.2: the whole RTP header (with CSRCs and extensions) is the associated data.
        _gcm.Encrypt(iv, payload, packet.Slice(length, Tag), packet[..headerLength]);
    }

    public bool TryUnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ushort sequenceNumber)
    {
        Span<byte> iv = stackalloc byte[12];
        RtpIv(iv, ssrc, rolloverCounter, sequenceNumber);
        int body = length - Tag;
        return _gcm.TryDecrypt(iv, packet[headerLength..body], packet.Slice(body, Tag), packet[..headerLength]);
    }

    public void ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Span<byte> iv = stackalloc byte[12];
        RtcpIv(iv, ssrc, index);
        uint word = 0x8000_0000u | index;
        // RFC 7714 §9.1, Figure 3: header(8) | ciphertext | tag | E||SRTCP index; AAD = header || E||index.
        Span<byte> aad = stackalloc byte[12];
        packet[..8].CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[8..], word);
        var payload = packet[8..length];
        _gcm.Encrypt(iv, payload, packet.Slice(length, Tag), aad);
        BinaryPrimitives.WriteUInt32BigEndian(packet[(length + Tag)..], word);
    }

    public uint ReadRtcpIndexWord(ReadOnlySpan<byte> packet, int length) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet[(length - 4)..]);

    public bool TryUnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord)
    {
        Span<byte> iv = stackalloc byte[12];
        RtcpIv(iv, ssrc, indexWord & 0x7FFF_FFFFu);
        int tagStart = length - 4 - Tag;
        var tag = packet.Slice(tagStart, Tag);
        if ((indexWord & 0x8000_0000u) != 0)
        {
            Span<byte> aad = stackalloc byte[12];
            packet[..8].CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[8..], indexWord);
            return _gcm.TryDecrypt(iv, packet[8..tagStart], tag, aad);
        }

        // RFC 7714 §9.2: unencrypted SRTCP authenticates the packet and E||index as AAD.
        Span<byte> all = stackalloc byte[tagStart + 4];
        packet[..tagStart].CopyTo(all);
        BinaryPrimitives.WriteUInt32BigEndian(all[tagStart..], indexWord);
        return _gcm.TryDecrypt(iv, [], tag, all);
    }

    private void RtpIv(Span<byte> iv, uint ssrc, uint rolloverCounter, ushort sequenceNumber)
    {
        // RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt.
        iv[0] = 0;
        iv[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(iv[6..], rolloverCounter);
        BinaryPrimitives.WriteUInt16BigEndian(iv[10..], sequenceNumber);
        XorSalt(iv);
    }

    private void RtcpIv(Span<byte> iv, uint ssrc, uint index)
    {
        // RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || SRTCP index) XOR salt.
        iv[0] = 0;
        iv[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[2..], ssrc);
        iv[6] = 0;
        iv[7] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[8..], index & 0x7FFF_FFFFu);
        XorSalt(iv);
    }

    private void XorSalt(Span<byte> iv)
    {
        for (int i = 0; i < 12; i++)
        {
            iv[i] ^= _salt[i];
        }
    }

    public void Dispose() => _gcm.Dispose();
}
