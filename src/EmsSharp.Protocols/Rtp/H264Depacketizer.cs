using System.Buffers.Binary;
using EmsSharp.Media.H264;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Reassembles H.264 access units in AVCC form (4-byte length prefixes) from RTP payloads of
/// packetization-mode 1 (RFC 6184: single NAL unit §5.6, STAP-A §5.7.1, FU-A §5.8). An access unit
/// ends at the marker bit (§5.1); a sequence gap, a timestamp change without marker, or a broken FU-A
/// discards it. The buffer is reused, so no allocation happens once it has grown to the largest unit.
/// </summary>
public sealed class H264Depacketizer
{
    /// <summary>Default upper bound of one access unit.</summary>
    public const int DefaultMaxAccessUnitSize = 4 * 1024 * 1024;

    private readonly int _maxAccessUnitSize;
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;
    private int _fragmentStart = -1;
    private bool _corrupt;
    private bool _inProgress;
    private bool _keyframe;
    private ushort _expectedSequence;
    private bool _hasExpected;

    /// <summary>Creates a depacketizer bounding access units to <paramref name="maxAccessUnitSize"/> bytes.</summary>
    public H264Depacketizer(int maxAccessUnitSize = DefaultMaxAccessUnitSize) => _maxAccessUnitSize = maxAccessUnitSize;

    /// <summary>The completed access unit (valid after <see cref="H264DepacketizerResult.AccessUnitReady"/> until the next push).</summary>
    public ReadOnlySpan<byte> AccessUnit => _buffer.AsSpan(0, _length);

    /// <summary>Whether the completed access unit holds an IDR slice.</summary>
    public bool IsKeyframe { get; private set; }

    /// <summary>RTP timestamp of the current or completed access unit.</summary>
    public uint Timestamp { get; private set; }

    /// <summary>Packets found missing by sequence gaps so far.</summary>
    public long LostPackets { get; private set; }

    /// <summary>Feeds the payload of one RTP packet, in arrival order.</summary>
    public H264DepacketizerResult Push(ReadOnlySpan<byte> payload, ushort sequenceNumber, uint timestamp, bool marker)
    {
        bool gap = _hasExpected && sequenceNumber != _expectedSequence;
        if (gap)
        {
            LostPackets += (ushort)(sequenceNumber - _expectedSequence);
        }
        _expectedSequence = (ushort)(sequenceNumber + 1);
        _hasExpected = true;
        if (_inProgress && timestamp != Timestamp)
        {
            // RFC 6184 §5.1: a new timestamp starts a new access unit; the old one lost its marker packet.
            Reset();
        }
        if (!_inProgress)
        {
            _inProgress = true;
            _length = 0;
            Timestamp = timestamp;
        }
        // Lost packets may belong to this access unit (even its start), so it cannot be trusted.
        _corrupt |= gap;
        var result = Append(payload);
        if (!marker)
        {
            return result;
        }
        bool complete = !_corrupt && _fragmentStart < 0 && _length > 0;
        IsKeyframe = _keyframe;
        int length = _length;
        Reset();
        if (!complete)
        {
            return H264DepacketizerResult.AccessUnitDropped;
        }
        _length = length;
        return H264DepacketizerResult.AccessUnitReady;
    }

    private H264DepacketizerResult Append(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return H264DepacketizerResult.Malformed;
        }
        var type = NalUnitHeader.GetType(payload[0]);
        switch (type)
        {
            case >= NalUnitType.Slice and <= (NalUnitType)23: // RFC 6184 §5.2: single NAL unit packet
                _fragmentStart = -1;
                return AppendNalUnit(payload);
            case NalUnitType.StapA:
                return AppendStapA(payload[1..]);
            case NalUnitType.FuA:
                return AppendFuA(payload);
            default:
                return H264DepacketizerResult.Malformed;
        }
    }

    private H264DepacketizerResult AppendStapA(ReadOnlySpan<byte> units)
    {
        // RFC 6184 §5.7.1: 16-bit size then the NAL unit, repeated; validate all before appending.
        int position = 0;
        while (position < units.Length)
        {
            if (units.Length - position < 2)
            {
                return H264DepacketizerResult.Malformed;
            }
            int size = BinaryPrimitives.ReadUInt16BigEndian(units[position..]);
            if (size == 0 || size > units.Length - position - 2)
            {
                return H264DepacketizerResult.Malformed;
            }
            position += 2 + size;
        }
        position = 0;
        while (position < units.Length)
        {
            int size = BinaryPrimitives.ReadUInt16BigEndian(units[position..]);
            if (AppendNalUnit(units.Slice(position + 2, size)) != H264DepacketizerResult.NeedMore)
            {
                return H264DepacketizerResult.AccessUnitDropped;
            }
            position += 2 + size;
        }
        return H264DepacketizerResult.NeedMore;
    }

    private H264DepacketizerResult AppendFuA(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 3)
        {
            return H264DepacketizerResult.Malformed;
        }
        byte fuHeader = payload[1];
        bool start = (fuHeader & 0x80) != 0;
        bool end = (fuHeader & 0x40) != 0;
        var data = payload[2..];
        if (start)
        {
            // RFC 6184 §5.8: the NAL header is F|NRI of the indicator and the type of the FU header.
            _fragmentStart = _length;
            if (!TryReserve(5))
            {
                return Overflow();
            }
            _buffer[_length + 4] = (byte)((payload[0] & 0xE0) | (fuHeader & 0x1F));
            _length += 5;
            _keyframe |= NalUnitHeader.GetType(fuHeader) == NalUnitType.IdrSlice;
        }
        else if (_fragmentStart < 0)
        {
            _corrupt = true; // a continuation whose start was lost
            return H264DepacketizerResult.NeedMore;
        }
        if (!TryReserve(data.Length))
        {
            return Overflow();
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
        if (end)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_fragmentStart), (uint)(_length - _fragmentStart - 4));
            _fragmentStart = -1;
        }
        return H264DepacketizerResult.NeedMore;
    }

    private H264DepacketizerResult AppendNalUnit(ReadOnlySpan<byte> nal)
    {
        if (!TryReserve(4 + nal.Length))
        {
            return Overflow();
        }
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), (uint)nal.Length);
        nal.CopyTo(_buffer.AsSpan(_length + 4));
        _length += 4 + nal.Length;
        _keyframe |= NalUnitHeader.GetType(nal[0]) == NalUnitType.IdrSlice;
        return H264DepacketizerResult.NeedMore;
    }

    private bool TryReserve(int bytes)
    {
        int needed = _length + bytes;
        if (needed > _maxAccessUnitSize)
        {
            return false;
        }
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_maxAccessUnitSize, Math.Max(needed, _buffer.Length * 2)));
        }
        return true;
    }

    private H264DepacketizerResult Overflow()
    {
        _corrupt = true;
        return H264DepacketizerResult.AccessUnitDropped;
    }

    private void Reset()
    {
        _length = 0;
        _fragmentStart = -1;
        _corrupt = false;
        _inProgress = false;
        _keyframe = false;
    }
}
