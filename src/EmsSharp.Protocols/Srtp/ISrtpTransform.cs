namespace EmsSharp.Protocols.Srtp;

/// <summary>
/// The cryptographic transform of one profile for one packet kind (RTP or RTCP), keyed with session
/// keys. Index bookkeeping (ROC, replay, SRTCP index) lives in <see cref="SrtpContext"/>.
/// </summary>
internal interface ISrtpTransform : IDisposable
{
    /// <summary>Authentication tag length in bytes.</summary>
    int TagLength { get; }

    /// <summary>Encrypts the payload after <paramref name="headerLength"/> and appends the tag at <paramref name="length"/>.</summary>
    void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ushort sequenceNumber);

    /// <summary>Verifies the tag ending at <paramref name="length"/> and decrypts in place; false if forged.</summary>
    bool TryUnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ushort sequenceNumber);

    /// <summary>Encrypts after the first 8 bytes and appends the tag and E||index (order per profile).</summary>
    void ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index);

    /// <summary>Reads the E flag and 31-bit SRTCP index of a protected packet of <paramref name="length"/> bytes.</summary>
    uint ReadRtcpIndexWord(ReadOnlySpan<byte> packet, int length);

    /// <summary>Verifies and decrypts a protected RTCP packet; false if forged.</summary>
    bool TryUnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord);
}
