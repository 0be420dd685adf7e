using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// The recently sent (unprotected) RTP packets of one track, for answering NACKs (RFC 4585 §6.2.1)
/// by retransmission or RTX (RFC 4588). A fixed ring indexed by sequence number modulo the capacity
/// (a power of two, so the mapping survives the 65535→0 wrap); entries expire by count and by age.
/// Storage is one array allocated up front: nothing is allocated per packet.
/// </summary>
public sealed class RtpSendHistory
{
    /// <summary>Default number of packets kept.</summary>
    public const int DefaultCapacity = 512;

    /// <summary>Default largest packet stored.</summary>
    public const int DefaultMaxPacketSize = 1500;

    private readonly byte[] _storage;
    private readonly int[] _lengths;
    private readonly ushort[] _sequenceNumbers;
    private readonly TimeSpan[] _sentAt;
    private readonly int _maxPacketSize;
    private readonly int _mask;

    /// <summary>
    /// Creates a history of <paramref name="capacity"/> packets (a power of two, 16..32768), each kept at
    /// most <paramref name="maxAge"/> (default 1 s).
    /// </summary>
    public RtpSendHistory(int capacity = DefaultCapacity, TimeSpan? maxAge = null, int maxPacketSize = DefaultMaxPacketSize)
    {
        if (capacity is < 16 or > 32768 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "Capacity must be a power of two between 16 and 32768.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, RtpHeader.FixedLength);
        MaxAge = maxAge ?? TimeSpan.FromSeconds(1);
        _maxPacketSize = maxPacketSize;
        _mask = capacity - 1;
        _storage = new byte[capacity * maxPacketSize];
        _lengths = new int[capacity];
        _sequenceNumbers = new ushort[capacity];
        _sentAt = new TimeSpan[capacity];
    }

    /// <summary>How long a packet stays retransmittable.</summary>
    public TimeSpan MaxAge { get; }

    /// <summary>Stores a sent RTP packet (unprotected, header included); false if it is malformed or too large.</summary>
    public bool Store(ReadOnlySpan<byte> packet, TimeSpan now)
    {
        if (packet.Length > _maxPacketSize || !RtpHeader.TryRead(packet, out var header, out _))
        {
            return false;
        }
        int slot = header.SequenceNumber & _mask;
        packet.CopyTo(_storage.AsSpan(slot * _maxPacketSize));
        _lengths[slot] = packet.Length;
        _sequenceNumbers[slot] = header.SequenceNumber;
        _sentAt[slot] = now;
        return true;
    }

    /// <summary>The stored packet with <paramref name="sequenceNumber"/>, if still held and younger than <see cref="MaxAge"/>.</summary>
    public bool TryGet(ushort sequenceNumber, TimeSpan now, out ReadOnlySpan<byte> packet)
    {
        packet = default;
        int slot = sequenceNumber & _mask;
        if (_lengths[slot] == 0 || _sequenceNumbers[slot] != sequenceNumber || now - _sentAt[slot] > MaxAge)
        {
            return false;
        }
        packet = _storage.AsSpan(slot * _maxPacketSize, _lengths[slot]);
        return true;
    }

    /// <summary>
    /// Writes the RTX form (RFC 4588 §4) of stored packet <paramref name="sequenceNumber"/>: the original
    /// header (extensions included) with the RTX payload type, SSRC and sequence number, then the original
    /// sequence number (OSN) and the original payload without padding.
    /// </summary>
    public bool TryWriteRtx(
        ushort sequenceNumber, TimeSpan now, byte rtxPayloadType, uint rtxSsrc, ushort rtxSequenceNumber,
        Span<byte> destination, out int written)
    {
        written = 0;
        if (!TryGet(sequenceNumber, now, out var original)
            || !RtpHeader.TryRead(original, out var header, out int headerLength)
            || !RtpHeader.TryGetPayload(original, header, headerLength, out var payload)
            || destination.Length < headerLength + 2 + payload.Length)
        {
            return false;
        }
        original[..headerLength].CopyTo(destination);
        destination[0] &= 0xDF; // padding is not carried over
        destination[1] = (byte)((destination[1] & 0x80) | (rtxPayloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], rtxSequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], rtxSsrc);
        // RFC 4588 §4: the OSN leads the RTX payload.
        BinaryPrimitives.WriteUInt16BigEndian(destination[headerLength..], sequenceNumber);
        payload.CopyTo(destination[(headerLength + 2)..]);
        written = headerLength + 2 + payload.Length;
        return true;
    }
}
