namespace EmsSharp.Media.H264;

/// <summary>
/// Enumerates the NAL units of an Annex B byte stream (ITU-T H.264 Annex B.1): each NAL unit is
/// preceded by a 3-byte (00 00 01) or 4-byte (00 00 00 01) start code. Emulation prevention bytes
/// are left untouched; trailing zero bytes before the next start code are trimmed (B.1.2).
/// Bytes before the first start code are ignored. Use with <c>foreach</c>; no allocation.
/// </summary>
public ref struct AnnexBNalEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Starts enumerating <paramref name="data"/>.</summary>
    public AnnexBNalEnumerator(ReadOnlySpan<byte> data)
    {
        _data = data;
        var first = AnnexB.FindStartCode(data, 0, out var length);
        _position = first < 0 ? data.Length : first + length;
        Current = default;
    }

    /// <summary>The current NAL unit (header byte first, no start code).</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Returns this enumerator, for <c>foreach</c>.</summary>
    public readonly AnnexBNalEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next non-empty NAL unit.</summary>
    public bool MoveNext()
    {
        while (_position < _data.Length)
        {
            var start = _position;
            var next = AnnexB.FindStartCode(_data, start, out var length);
            var end = next < 0 ? _data.Length : next;
            _position = next < 0 ? _data.Length : next + length;
            // B.1.2: trailing_zero_8bits belong to no NAL unit.
            while (end > start && _data[end - 1] == 0)
            {
                end--;
            }

            if (end > start)
            {
                Current = _data[start..end];
                return true;
            }
        }

        return false;
    }
}
