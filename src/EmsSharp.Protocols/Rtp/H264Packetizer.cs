using System.Buffers.Binary;
using EmsSharp.Media.H264;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Cuts one H.264 access unit in AVCC form (4-byte big-endian length before each NAL unit) into RTP
/// payloads per RFC 6184 packetization-mode 1: a STAP-A with SPS and PPS before a keyframe (§5.7.1),
/// single NAL unit packets when they fit (§5.6), FU-A fragments otherwise (§5.8). Access unit
/// delimiters and filler data are dropped (SEI is kept); in-band SPS/PPS are dropped when the
/// parameter sets are sent ahead. The marker bit is set on the last payload of the access unit
/// (§5.1). Allocation-free: the caller pulls payloads into its own buffers.
/// </summary>
/// <example><code>
/// if (H264Packetizer.TryCreate(au, keyframe, sps, pps, 1200, out var packetizer))
///     while (packetizer.TryWriteNext(buffer, out int n, out bool marker)) { ... }
/// </code></example>
public ref struct H264Packetizer : IRtpPayloadPacketizer
{
    /// <summary>Default largest RTP payload, leaving room for headers, extensions and SRTP within a 1280-byte path MTU.</summary>
    public const int DefaultMaxPayloadSize = 1200;

    /// <summary>Smallest payload size accepted.</summary>
    public const int MinPayloadSize = 64;

    private readonly ReadOnlySpan<byte> _accessUnit;
    private readonly ReadOnlySpan<byte> _sps;
    private readonly ReadOnlySpan<byte> _pps;
    private readonly int _maxPayloadSize;
    private readonly bool _dropInBandParameterSets;
    private readonly int _lastSendableOffset;
    private bool _stapPending;
    private int _parameterSetIndex;
    private int _position;
    private ReadOnlySpan<byte> _current;
    private byte _currentHeader;
    private bool _hasCurrent;
    private bool _fragmenting;
    private bool _currentIsLast;

    private H264Packetizer(
        ReadOnlySpan<byte> accessUnit, ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps, int maxPayloadSize,
        bool sendParameterSets, int lastSendableOffset)
    {
        _accessUnit = accessUnit;
        _sps = sps;
        _pps = pps;
        _maxPayloadSize = maxPayloadSize;
        _dropInBandParameterSets = sendParameterSets;
        _lastSendableOffset = lastSendableOffset;
        _stapPending = sendParameterSets && 1 + 2 + sps.Length + 2 + pps.Length <= maxPayloadSize;
        // Parameter sets too large for one STAP-A go out as their own NAL unit packets.
        _parameterSetIndex = sendParameterSets && !_stapPending ? 0 : 2;
    }

    /// <summary>
    /// Validates <paramref name="accessUnit"/> (every length prefix inside bounds) and starts packetizing.
    /// SPS and PPS are sent ahead only when <paramref name="isKeyframe"/> and both are non-empty.
    /// </summary>
    public static bool TryCreate(
        ReadOnlySpan<byte> accessUnit, bool isKeyframe, ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps,
        int maxPayloadSize, out H264Packetizer packetizer)
    {
        packetizer = default;
        if (maxPayloadSize < MinPayloadSize)
        {
            return false;
        }
        bool sendParameterSets = isKeyframe && !sps.IsEmpty && !pps.IsEmpty;
        int last = -1;
        int position = 0;
        while (position < accessUnit.Length)
        {
            if (accessUnit.Length - position < 4)
            {
                return false;
            }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(accessUnit[position..]);
            if (length > (uint)(accessUnit.Length - position - 4))
            {
                return false;
            }
            if (length > 0 && IsSendable(accessUnit[position + 4], sendParameterSets))
            {
                last = position;
            }
            position += 4 + (int)length;
        }
        packetizer = new H264Packetizer(accessUnit, sps, pps, maxPayloadSize, sendParameterSets, last);
        return true;
    }

    /// <summary>
    /// Writes the next payload into <paramref name="destination"/> (at least the max payload size);
    /// false when the access unit is exhausted.
    /// </summary>
    public bool TryWriteNext(Span<byte> destination, out int written, out bool marker)
    {
        if (destination.Length < _maxPayloadSize)
        {
            throw new ArgumentException("Destination is smaller than the maximum payload size.", nameof(destination));
        }
        if (_stapPending)
        {
            _stapPending = false;
            written = WriteStapA(destination);
            marker = _lastSendableOffset < 0;
            return true;
        }
        if (!_hasCurrent && !TrySelectNextNalUnit())
        {
            written = 0;
            marker = false;
            return false;
        }
        if (!_fragmenting && 1 + _current.Length <= _maxPayloadSize)
        {
            // RFC 6184 §5.6: single NAL unit packet.
            destination[0] = _currentHeader;
            _current.CopyTo(destination[1..]);
            written = 1 + _current.Length;
            _hasCurrent = false;
            marker = _currentIsLast;
            return true;
        }
        written = WriteFuA(destination, out bool end);
        marker = end && _currentIsLast;
        return true;
    }

    private int WriteFuA(Span<byte> destination, out bool end)
    {
        // RFC 6184 §5.8: FU indicator (F, NRI, type 28), FU header (S, E, R, original type).
        int chunk = Math.Min(_current.Length, _maxPayloadSize - 2);
        bool start = !_fragmenting;
        end = chunk == _current.Length;
        destination[0] = (byte)((_currentHeader & 0xE0) | (byte)NalUnitType.FuA);
        destination[1] = (byte)((start ? 0x80 : 0) | (end ? 0x40 : 0) | (_currentHeader & 0x1F));
        _current[..chunk].CopyTo(destination[2..]);
        _current = _current[chunk..];
        _fragmenting = !end;
        _hasCurrent = !end;
        return 2 + chunk;
    }

    private int WriteStapA(Span<byte> destination)
    {
        // RFC 6184 §5.7.1: STAP-A header (F = OR of F bits, NRI = max NRI), then size-prefixed NAL units.
        byte f = (byte)((_sps[0] | _pps[0]) & 0x80);
        byte nri = (byte)Math.Max(_sps[0] & 0x60, _pps[0] & 0x60);
        destination[0] = (byte)(f | nri | (byte)NalUnitType.StapA);
        int position = WriteAggregated(destination, 1, _sps);
        position = WriteAggregated(destination, position, _pps);
        return position;
    }

    private static int WriteAggregated(Span<byte> destination, int position, ReadOnlySpan<byte> nal)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)nal.Length);
        nal.CopyTo(destination[(position + 2)..]);
        return position + 2 + nal.Length;
    }

    private bool TrySelectNextNalUnit()
    {
        if (_parameterSetIndex < 2)
        {
            var nal = _parameterSetIndex == 0 ? _sps : _pps;
            _parameterSetIndex++;
            SetCurrent(nal, _parameterSetIndex == 2 && _lastSendableOffset < 0);
            return true;
        }
        while (_position < _accessUnit.Length)
        {
            int offset = _position;
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(_accessUnit[offset..]);
            _position += 4 + length;
            if (length > 0 && IsSendable(_accessUnit[offset + 4], _dropInBandParameterSets))
            {
                SetCurrent(_accessUnit.Slice(offset + 4, length), offset == _lastSendableOffset);
                return true;
            }
        }
        return false;
    }

    private void SetCurrent(ReadOnlySpan<byte> nal, bool isLast)
    {
        _currentHeader = nal[0];
        _current = nal[1..];
        _hasCurrent = true;
        _fragmenting = false;
        _currentIsLast = isLast;
    }

    private static bool IsSendable(byte header, bool dropParameterSets) => NalUnitHeader.GetType(header) switch
    {
        NalUnitType.AccessUnitDelimiter or NalUnitType.Filler => false,
        NalUnitType.Sps or NalUnitType.Pps => !dropParameterSets,
        _ => true,
    };
}
