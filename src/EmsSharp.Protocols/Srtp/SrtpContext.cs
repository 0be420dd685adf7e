using System.Buffers.Binary;
using EmsSharp.Protocols.Rtp;

namespace EmsSharp.Protocols.Srtp;

/// <summary>
/// SRTP/SRTCP for one direction of a DTLS-SRTP session (RFC 3711, RFC 7714): protects outgoing or
/// unprotects incoming packets in place, keeping per-SSRC rollover counters, replay windows and
/// SRTCP indices. Not thread-safe: one owner (the peer session loop). Allocation-free per packet.
/// </summary>
public sealed class SrtpContext : IDisposable
{
    /// <summary>Most SSRCs one context tracks; packets for further SSRCs are rejected.</summary>
    public const int MaxStreams = 64;

    private readonly ISrtpTransform _rtp;
    private readonly ISrtpTransform _rtcp;
    private readonly Dictionary<uint, SrtpStreamState> _streams = [];

    private SrtpContext(SrtpProtectionProfile profile, ISrtpTransform rtp, ISrtpTransform rtcp)
    {
        Profile = profile;
        _rtp = rtp;
        _rtcp = rtcp;
    }

    /// <summary>The protection profile in use.</summary>
    public SrtpProtectionProfile Profile { get; }

    /// <summary>Packets rejected as truncated or not RTP/RTCP (counted on unprotect only).</summary>
    public long MalformedPackets { get; private set; }

    /// <summary>Packets rejected by the replay window as a second copy of an index already accepted.</summary>
    public long ReplayedPackets { get; private set; }

    /// <summary>Packets rejected by the replay window as older than it (RFC 3711 §3.3.2), so never checked for a copy.</summary>
    public long StalePackets { get; private set; }

    /// <summary>Packets whose authentication tag did not verify.</summary>
    public long AuthenticationFailures { get; private set; }

    /// <summary>Bytes <see cref="TryProtectRtp"/> appends (the tag).</summary>
    public int RtpOverhead => _rtp.TagLength;

    /// <summary>Bytes <see cref="TryProtectRtcp"/> appends (tag and E||SRTCP index).</summary>
    public int RtcpOverhead => _rtcp.TagLength + 4;

    /// <summary>
    /// Creates a context from a master key and salt, deriving the six session keys (RFC 3711 §4.3,
    /// key_derivation_rate 0). The salt is 14 bytes for AES-CM, 12 for AES-GCM.
    /// </summary>
    public static SrtpContext FromMasterKey(SrtpProtectionProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        if (masterKey.Length != SrtpProfileParameters.MasterKeyLength
            || masterSalt.Length != SrtpProfileParameters.MasterSaltLength(profile))
        {
            throw new ArgumentException("Master key or salt length does not match the profile.");
        }
        using var master = SrtpKeyDerivation.CreateAes(masterKey);
        Span<byte> key = stackalloc byte[16];
        Span<byte> salt = stackalloc byte[14];
        Span<byte> auth = stackalloc byte[20];
        int saltLength = masterSalt.Length;
        SrtpKeyDerivation.Derive(master, masterSalt, SrtpKeyDerivation.RtpEncryptionLabel, key);
        SrtpKeyDerivation.Derive(master, masterSalt, SrtpKeyDerivation.RtpSaltLabel, salt[..saltLength]);
        SrtpKeyDerivation.Derive(master, masterSalt, SrtpKeyDerivation.RtpAuthenticationLabel, auth);
        var rtp = CreateTransform(profile, key, salt[..saltLength], auth);
        SrtpKeyDerivation.Derive(master, masterSalt, SrtpKeyDerivation.RtcpEncryptionLabel, key);
        SrtpKeyDerivation.Derive(master, masterSalt, SrtpKeyDerivation.RtcpSaltLabel, salt[..saltLength]);
        SrtpKeyDerivation.Derive(master, masterSalt, SrtpKeyDerivation.RtcpAuthenticationLabel, auth);
        var rtcp = CreateTransform(profile, key, salt[..saltLength], auth);
        return new SrtpContext(profile, rtp, rtcp);
    }

    /// <summary>Creates a context from session keys directly (the RFC 7714 vectors give session keys).</summary>
    internal static SrtpContext FromSessionKeys(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> authKey) =>
        new(profile, CreateTransform(profile, key, salt, authKey), CreateTransform(profile, key, salt, authKey));

    private static ISrtpTransform CreateTransform(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> authKey) =>
        profile == SrtpProtectionProfile.AeadAes128Gcm
            ? new AesGcmTransform(key, salt)
            : new AesCmHmacSha1Transform(key, salt, authKey);

    /// <summary>
    /// Protects the RTP packet in <paramref name="packet"/>[..<paramref name="length"/>] in place: encrypts the
    /// payload and appends the tag. <paramref name="packet"/> must have <see cref="RtpOverhead"/> spare bytes.
    /// False (nothing changed) for a malformed packet or too small a buffer.
    /// </summary>
    public bool TryProtectRtp(Span<byte> packet, int length, out int newLength)
    {
        newLength = 0;
        if (!TryGetRtpHeader(packet, length, out var header, out int headerLength)
            || packet.Length < length + _rtp.TagLength)
        {
            return false;
        }
        var state = GetOrAddState(header.Ssrc);
        if (state is null)
        {
            return false;
        }
        long index = state.EstimateIndex(header.SequenceNumber);
        if (index < 0)
        {
            return false;
        }
        // RFC 3711 §3.3.1: the sender's ROC advances when SEQ wraps; retransmissions keep their old index.
        state.HighestRtpIndex = Math.Max(state.HighestRtpIndex, index);
        _rtp.ProtectRtp(packet, headerLength, length, header.Ssrc, (uint)(index >> 16), header.SequenceNumber);
        newLength = length + _rtp.TagLength;
        return true;
    }

    /// <summary>
    /// Authenticates and decrypts the SRTP packet in <paramref name="packet"/>[..<paramref name="length"/>] in place.
    /// False for malformed, replayed or forged packets (state is unchanged then).
    /// </summary>
    public bool TryUnprotectRtp(Span<byte> packet, int length, out int newLength)
    {
        newLength = 0;
        if (!TryGetRtpHeader(packet, length, out var header, out int headerLength)
            || length < headerLength + _rtp.TagLength)
        {
            MalformedPackets++;
            return false;
        }
        _streams.TryGetValue(header.Ssrc, out var state);
        long index = state?.EstimateIndex(header.SequenceNumber) ?? header.SequenceNumber;
        // RFC 3711 §3.3 step 2: replay check before the (costlier) authentication.
        if (index < 0 || (state is not null && state.RtpReplay.IsReplay(index)))
        {
            CountRefused(index < 0 || state!.RtpReplay.IsBehind(index));
            return false;
        }
        if (!_rtp.TryUnprotectRtp(packet, headerLength, length, header.Ssrc, (uint)(index >> 16), header.SequenceNumber))
        {
            AuthenticationFailures++;
            return false;
        }
        state ??= GetOrAddState(header.Ssrc);
        if (state is null)
        {
            return false;
        }
        // RFC 3711 §3.3.1: update ROC and s_l only after authentication.
        state.HighestRtpIndex = Math.Max(state.HighestRtpIndex, index);
        state.RtpReplay.Accept(index);
        newLength = length - _rtp.TagLength;
        return true;
    }

    /// <summary>
    /// Protects the (compound) RTCP packet in <paramref name="packet"/>[..<paramref name="length"/>] in place,
    /// appending tag and E||SRTCP index. Needs <see cref="RtcpOverhead"/> spare bytes.
    /// </summary>
    public bool TryProtectRtcp(Span<byte> packet, int length, out int newLength)
    {
        newLength = 0;
        if (!IsRtcpHeader(packet, length, 8) || packet.Length < length + RtcpOverhead)
        {
            return false;
        }
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        var state = GetOrAddState(ssrc);
        if (state is null)
        {
            return false;
        }
        uint index = state.NextRtcpIndex;
        // RFC 3711 §3.4: the SRTCP index is a 31-bit counter incremented per packet.
        state.NextRtcpIndex = (index + 1) & 0x7FFF_FFFFu;
        _rtcp.ProtectRtcp(packet, length, ssrc, index);
        newLength = length + RtcpOverhead;
        return true;
    }

    /// <summary>Authenticates and decrypts an SRTCP packet in place; false for malformed, replayed or forged input.</summary>
    public bool TryUnprotectRtcp(Span<byte> packet, int length, out int newLength)
    {
        newLength = 0;
        if (!IsRtcpHeader(packet, length, 8 + RtcpOverhead))
        {
            MalformedPackets++;
            return false;
        }
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        uint word = _rtcp.ReadRtcpIndexWord(packet, length);
        long index = word & 0x7FFF_FFFFu;
        _streams.TryGetValue(ssrc, out var state);
        if (state is not null && state.RtcpReplay.IsReplay(index))
        {
            CountRefused(state.RtcpReplay.IsBehind(index));
            return false;
        }
        if (!_rtcp.TryUnprotectRtcp(packet, length, ssrc, word))
        {
            AuthenticationFailures++;
            return false;
        }
        state ??= GetOrAddState(ssrc);
        if (state is null)
        {
            return false;
        }
        state.RtcpReplay.Accept(index);
        newLength = length - RtcpOverhead;
        return true;
    }

    /// <summary>Sets the next SRTCP index to send for <paramref name="ssrc"/> (test vectors start mid-stream).</summary>
    internal void SetNextRtcpIndex(uint ssrc, uint index) => GetOrAddState(ssrc)!.NextRtcpIndex = index & 0x7FFF_FFFFu;

    /// <summary>Sets the highest RTP index (ROC and SEQ) known for <paramref name="ssrc"/>.</summary>
    internal void SetRtpIndex(uint ssrc, long index) => GetOrAddState(ssrc)!.HighestRtpIndex = index;

    private SrtpStreamState? GetOrAddState(uint ssrc)
    {
        if (_streams.TryGetValue(ssrc, out var state))
        {
            return state;
        }
        if (_streams.Count >= MaxStreams)
        {
            return null;
        }
        state = new SrtpStreamState();
        _streams.Add(ssrc, state);
        return state;
    }

    private static bool TryGetRtpHeader(ReadOnlySpan<byte> packet, int length, out RtpHeader header, out int headerLength)
    {
        header = default;
        headerLength = 0;
        return (uint)length <= (uint)packet.Length && RtpHeader.TryRead(packet[..length], out header, out headerLength);
    }

    private static bool IsRtcpHeader(ReadOnlySpan<byte> packet, int length, int minimum) =>
        length >= minimum && length <= packet.Length && (packet[0] >> 6) == 2;

    /// <summary>Releases the cipher instances.</summary>
    public void Dispose()
    {
        _rtp.Dispose();
        _rtcp.Dispose();
    }

    private void CountRefused(bool stale)
    {
        if (stale)
        {
            StalePackets++;
        }
        else
        {
            ReplayedPackets++;
        }
    }
}
