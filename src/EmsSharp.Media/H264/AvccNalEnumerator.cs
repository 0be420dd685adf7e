namespace EmsSharp.Media.H264;

/// <summary>
/// Enumerates the NAL units of an AVCC (length-prefixed, ISO/IEC 14496-15 §5.3.4.2) access unit.
/// Stops, and sets <see cref="IsMalformed"/>, when a length is zero, runs past the data or exceeds
/// <see cref="AnnexB.MaxNalUnitSize"/>.
/// </summary>
public ref struct AvccNalEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _lengthSize;
    private int _position;

    /// <summary>Starts enumerating <paramref name="data"/> with <paramref name="lengthSize"/>-byte lengths (1, 2 or 4).</summary>
    public AvccNalEnumerator(ReadOnlySpan<byte> data, int lengthSize = 4)
    {
        _data = data;
        _lengthSize = lengthSize;
        _position = 0;
        Current = default;
        IsMalformed = lengthSize is not (1 or 2 or 4);
    }

    /// <summary>The current NAL unit.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>True once a bad length was met; enumeration stopped there.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Returns this enumerator, for <c>foreach</c>.</summary>
    public readonly AvccNalEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next NAL unit.</summary>
    public bool MoveNext()
    {
        if (IsMalformed || _position >= _data.Length)
        {
            return false;
        }

        if (_data.Length - _position < _lengthSize)
        {
            IsMalformed = true;
            return false;
        }

        long length = 0;
        for (var i = 0; i < _lengthSize; i++)
        {
            length = (length << 8) | _data[_position + i];
        }

        _position += _lengthSize;
        if (length == 0 || length > AnnexB.MaxNalUnitSize || length > _data.Length - _position)
        {
            IsMalformed = true;
            return false;
        }

        Current = _data.Slice(_position, (int)length);
        _position += (int)length;
        return true;
    }
}
