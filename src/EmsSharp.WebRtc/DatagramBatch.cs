namespace EmsSharp.WebRtc;

/// <summary>
/// Datagrams for one destination written back to back into one buffer, the shape <see cref="IPacketPath.SendBatch"/>
/// takes (and UDP GSO needs: one contiguous run of equal segments). Owned and reused by one sender, so building and
/// sending a batch allocates nothing; not thread-safe.
/// </summary>
public sealed class DatagramBatch
{
    private readonly byte[] _buffer;
    private readonly int[] _lengths;

    /// <summary>A batch of at most <paramref name="maxDatagrams"/> datagrams and <paramref name="capacity"/> bytes.</summary>
    public DatagramBatch(int capacity, int maxDatagrams)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDatagrams);
        _buffer = new byte[capacity];
        _lengths = new int[maxDatagrams];
    }

    /// <summary>Datagrams in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes in the batch.</summary>
    public int Length { get; private set; }

    /// <summary>Where the next datagram is written; <see cref="Add"/> then takes it into the batch.</summary>
    public Span<byte> Free => _buffer.AsSpan(Length);

    /// <summary>The datagrams, back to back.</summary>
    public ReadOnlySpan<byte> Datagrams => _buffer.AsSpan(0, Length);

    /// <summary>The size of each datagram, in order.</summary>
    public ReadOnlySpan<int> Lengths => _lengths.AsSpan(0, Count);

    /// <summary>Whether one more datagram of up to <paramref name="maxLength"/> bytes fits.</summary>
    public bool HasRoomFor(int maxLength) => Count < _lengths.Length && _buffer.Length - Length >= maxLength;

    /// <summary>Takes the <paramref name="length"/> bytes just written at the start of <see cref="Free"/> as the next datagram.</summary>
    public void Add(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _buffer.Length - Length);
        if (Count == _lengths.Length)
        {
            throw new InvalidOperationException("The batch holds its maximum number of datagrams.");
        }

        _lengths[Count++] = length;
        Length += length;
    }

    /// <summary>Empties the batch for reuse.</summary>
    public void Clear()
    {
        Count = 0;
        Length = 0;
    }
}
