namespace EmsSharp.Media.Ring;

/// <summary>
/// What a <see cref="IStreamRingListener"/> learns about the ring that woke it, whatever its unit type: how far the
/// writer has come and whether the stream ended. Any thread may read it.
/// </summary>
public interface IStreamRing
{
    /// <summary>Units published so far, which is also the sequence number the next unit will get.</summary>
    long Published { get; }

    /// <summary>True once the writer ended the ring; readers drain what is left and then see the end.</summary>
    bool IsCompleted { get; }
}
