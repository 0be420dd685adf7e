using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Depacketizer for RFC 3640 (mpeg4-generic) AAC in the AAC-hbr mode (§3.3.6): an AU Header Section of
/// 16-bit AU-headers-length then AU-headers of AU-size (sizeLength bits) and AU-Index / AU-Index-delta,
/// then the access units back to back (§3.2.1, §3.3.6). Several AUs per packet and one AU fragmented over
/// packets (§3.2.3) are supported; interleaving (non-zero index deltas) is not and is reported malformed.
/// The buffer is reused: read the AUs of a push before the next one.
/// </summary>
/// <remarks>
/// <code>
/// +---------+-----------+-----------+---------------+
/// | RTP     | AU Header | Auxiliary | Access Unit   |
/// | Header  | Section   | Section   | Data Section  |
/// +---------+-----------+-----------+---------------+
/// AU Header Section: AU-headers-length (16 bits, in bits) | AU-header(1) | ... | AU-header(n) | padding bits
/// </code>
/// </remarks>
public sealed class Mpeg4GenericDepacketizer
{
    /// <summary>Most AUs taken from one packet.</summary>
    public const int MaxAccessUnitsPerPacket = 64;

    private readonly int _sizeLength;
    private readonly int _indexLength;
    private readonly int _indexDeltaLength;
    private readonly int _samplesPerFrame;
    private readonly int _maxAccessUnitSize;
    private readonly int[] _offsets = new int[MaxAccessUnitsPerPacket];
    private readonly int[] _lengths = new int[MaxAccessUnitsPerPacket];
    private byte[] _buffer = new byte[4096];
    private int _fragmentLength;
    private int _fragmentExpected;
    private uint _fragmentTimestamp;
    private uint _timestamp;
    private ushort _expectedSequence;
    private bool _started;

    /// <summary>
    /// Creates a depacketizer for the fmtp sizeLength/indexLength/indexDeltaLength (AAC-hbr: 13/3/3) and
    /// <paramref name="samplesPerFrame"/> (1024 for AAC, the RTP clock being the sample rate).
    /// </summary>
    public Mpeg4GenericDepacketizer(int sizeLength = 13, int indexLength = 3, int indexDeltaLength = 3,
        int samplesPerFrame = 1024, int maxAccessUnitSize = 16 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sizeLength, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(indexLength, 8);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(indexDeltaLength, 8);
        ArgumentOutOfRangeException.ThrowIfNegative(indexLength);
        ArgumentOutOfRangeException.ThrowIfNegative(indexDeltaLength);
        _sizeLength = sizeLength;
        _indexLength = indexLength;
        _indexDeltaLength = indexDeltaLength;
        _samplesPerFrame = samplesPerFrame;
        _maxAccessUnitSize = maxAccessUnitSize;
    }

    /// <summary>Access units completed by the last push.</summary>
    public int Count { get; private set; }

    /// <summary>Packets found missing by sequence gaps so far.</summary>
    public long LostPackets { get; private set; }

    /// <summary>Access unit <paramref name="index"/> of the last push.</summary>
    public ReadOnlySpan<byte> GetAccessUnit(int index) => _buffer.AsSpan(_offsets[index], _lengths[index]);

    /// <summary>RTP timestamp of access unit <paramref name="index"/>: the packet's plus index × frame duration (§3.2.1).</summary>
    public uint GetTimestamp(int index) => _timestamp + (uint)(index * _samplesPerFrame);

    /// <summary>Feeds one RTP payload in arrival order; false (and nothing completed) when it is malformed.</summary>
    public bool Push(ReadOnlySpan<byte> payload, ushort sequenceNumber, uint timestamp, bool marker)
    {
        Count = 0;
        if (_started && sequenceNumber != _expectedSequence)
        {
            LostPackets += (ushort)(sequenceNumber - _expectedSequence);
            _fragmentExpected = 0; // a fragment with a hole cannot be completed
        }

        _started = true;
        _expectedSequence = (ushort)(sequenceNumber + 1);
        if (payload.Length < 2)
        {
            return false;
        }

        // §3.2.1: AU-headers-length counts bits of the AU-headers, without padding.
        int headerBits = BinaryPrimitives.ReadUInt16BigEndian(payload);
        int headerBytes = (headerBits + 7) / 8;
        if (headerBits == 0 || payload.Length < 2 + headerBytes)
        {
            return false;
        }

        var headers = payload.Slice(2, headerBytes);
        var data = payload[(2 + headerBytes)..];
        int bit = 0;
        int first = _sizeLength + _indexLength;
        int next = _sizeLength + _indexDeltaLength;
        int count = 0;
        int dataUsed = 0;
        int needed = 0;
        while (bit + (count == 0 ? first : next) <= headerBits)
        {
            int size = ReadBits(headers, bit, _sizeLength);
            int index = ReadBits(headers, bit + _sizeLength, count == 0 ? _indexLength : _indexDeltaLength);
            bit += count == 0 ? first : next;
            if (index != 0 || count == MaxAccessUnitsPerPacket || size > _maxAccessUnitSize)
            {
                return false; // interleaving (§3.2.1 AU-Index/-delta) is not supported
            }

            _lengths[count] = size;
            count++;
            needed += size;
        }

        if (count == 0)
        {
            return false;
        }

        if (count == 1 && _lengths[0] > data.Length)
        {
            return PushFragment(data, _lengths[0], timestamp, marker);
        }

        if (needed > data.Length)
        {
            return false;
        }

        _fragmentExpected = 0;
        EnsureCapacity(needed);
        data[..needed].CopyTo(_buffer);
        for (int i = 0; i < count; i++)
        {
            _offsets[i] = dataUsed;
            dataUsed += _lengths[i];
        }

        _timestamp = timestamp;
        Count = count;
        return true;
    }

    // §3.2.3: a fragmented AU has one AU-header giving the whole size in each fragment; same timestamp;
    // the marker is set on the last fragment.
    private bool PushFragment(ReadOnlySpan<byte> data, int size, uint timestamp, bool marker)
    {
        if (_fragmentExpected != size || _fragmentTimestamp != timestamp)
        {
            _fragmentExpected = size;
            _fragmentTimestamp = timestamp;
            _fragmentLength = 0;
        }

        if (_fragmentLength + data.Length > size)
        {
            _fragmentExpected = 0;
            return false;
        }

        EnsureCapacity(size);
        data.CopyTo(_buffer.AsSpan(_fragmentLength));
        _fragmentLength += data.Length;
        if (_fragmentLength < size)
        {
            return true;
        }

        _fragmentExpected = 0;
        if (!marker)
        {
            return false;
        }

        _offsets[0] = 0;
        _lengths[0] = size;
        _timestamp = timestamp;
        Count = 1;
        return true;
    }

    private void EnsureCapacity(int size)
    {
        if (_buffer.Length < size)
        {
            Array.Resize(ref _buffer, Math.Max(size, _buffer.Length * 2));
        }
    }

    private static int ReadBits(ReadOnlySpan<byte> data, int bitOffset, int count)
    {
        int value = 0;
        for (int i = 0; i < count; i++)
        {
            int b = bitOffset + i;
            value = (value << 1) | ((data[b >> 3] >> (7 - (b & 7))) & 1);
        }

        return value;
    }
}
