namespace EmsSharp.Media.Fmp4;

/// <summary>
/// Pending samples of one track: their bytes back to back in a reused array and a reused table.
/// A sample's duration is known once the next one arrives (next DTS − DTS), so the last sample
/// is held back until then.
/// </summary>
internal sealed class Fmp4TrackBuffer
{
    private byte[] _data = new byte[64 * 1024];
    private Entry[] _entries = new Entry[64];

    public int Count { get; private set; }

    public int DataLength { get; private set; }

    public ReadOnlySpan<byte> Data => _data.AsSpan(0, DataLength);

    public ref Entry this[int index] => ref _entries[index];

    public ReadOnlyMemory<byte> GetData(int length) => _data.AsMemory(0, length);

    public ref Entry Last => ref _entries[Count - 1];

    public void Add(ReadOnlySpan<byte> sample, long dts, long pts, bool isSync)
    {
        if (_data.Length - DataLength < sample.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, DataLength + sample.Length));
        }

        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        sample.CopyTo(_data.AsSpan(DataLength));
        _entries[Count++] = new Entry { Offset = DataLength, Size = sample.Length, Dts = dts, Pts = pts, IsSync = isSync };
        DataLength += sample.Length;
    }

    /// <summary>Drops the first <paramref name="count"/> samples and their bytes.</summary>
    public void RemoveFirst(int count)
    {
        if (count == 0)
        {
            return;
        }

        var bytes = count == Count ? DataLength : _entries[count].Offset;
        _data.AsSpan(bytes, DataLength - bytes).CopyTo(_data);
        DataLength -= bytes;
        for (var i = count; i < Count; i++)
        {
            var entry = _entries[i];
            entry.Offset -= bytes;
            _entries[i - count] = entry;
        }

        Count -= count;
    }

    public void Clear()
    {
        Count = 0;
        DataLength = 0;
    }

    internal struct Entry
    {
        public int Offset;
        public int Size;
        public long Dts;
        public long Pts;
        public uint Duration;
        public bool IsSync;
    }
}
