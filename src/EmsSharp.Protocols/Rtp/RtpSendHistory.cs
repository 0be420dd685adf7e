namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// The recently sent RTP packets of one track, for answering NACKs (RFC 4585 §6.2.1) by retransmission or RTX
/// (RFC 4588). Keeps header facts and a reference to each (immutable, per-stream shared) payload, not a copy of the
/// packet: a few dozen bytes per entry. A fixed ring indexed by sequence number modulo the capacity (a power of
/// two, so the mapping survives the 65535→0 wrap); entries expire by count and by age. Storage is allocated up
/// front: nothing is allocated per packet.
/// </summary>
public sealed class RtpSendHistory
{
    /// <summary>Default number of packets kept.</summary>
    public const int DefaultCapacity = 512;

    private readonly RtpSentPacket[] _entries;
    private readonly bool[] _used;
    private readonly int _mask;

    /// <summary>
    /// Creates a history of <paramref name="capacity"/> packets (a power of two, 16..32768), each kept at
    /// most <paramref name="maxAge"/> (default 1 s).
    /// </summary>
    public RtpSendHistory(int capacity = DefaultCapacity, TimeSpan? maxAge = null)
    {
        if (capacity is < 16 or > 32768 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "Capacity must be a power of two between 16 and 32768.");
        }
        MaxAge = maxAge ?? TimeSpan.FromSeconds(1);
        _mask = capacity - 1;
        _entries = new RtpSentPacket[capacity];
        _used = new bool[capacity];
    }

    /// <summary>How long a packet stays retransmittable.</summary>
    public TimeSpan MaxAge { get; }

    /// <summary>Number of packets kept at most.</summary>
    public int Capacity => _entries.Length;

    /// <summary>Records a sent packet, replacing the one <see cref="Capacity"/> sequence numbers older.</summary>
    public void Store(in RtpSentPacket packet)
    {
        int slot = packet.SequenceNumber & _mask;
        _entries[slot] = packet;
        _used[slot] = true;
    }

    /// <summary>The packet sent with <paramref name="sequenceNumber"/>, if still held and younger than <see cref="MaxAge"/>.</summary>
    public bool TryGet(ushort sequenceNumber, TimeSpan now, out RtpSentPacket packet)
    {
        int slot = sequenceNumber & _mask;
        packet = _entries[slot];
        return _used[slot] && packet.SequenceNumber == sequenceNumber && now - packet.SentAt <= MaxAge;
    }
}
