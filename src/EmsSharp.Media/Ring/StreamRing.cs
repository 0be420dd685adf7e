using System.Numerics;

namespace EmsSharp.Media.Ring;

/// <summary>
/// The one fan-out primitive of a live stream: ONE ring of immutable units that the writer writes once, read by any
/// number of <see cref="StreamRingReader{T}"/>s that each hold only a cursor into it (so a reader costs a cursor, not a
/// queue). The units since the latest keyframe are the GOP cache: a new reader starts at that keyframe. A reader that
/// lags more than its bound (units or bytes), or whose units the ring has already released, skips to a keyframe and
/// counts what it dropped. The writer never waits for a reader and touches no reader per unit.
/// </summary>
/// <typeparam name="T">
/// The unit: an immutable value or object shared by reference (a hub frame, a packetized access unit, a framed
/// fragment). Units are garbage-collected, never pooled: a released slot forgets its unit, and a reader that has
/// read a unit keeps it alive for as long as it holds it, so no buffer can be reused under a reader.
/// </typeparam>
/// <remarks>
/// <para>Threads. Writer: <see cref="Publish"/> and <see cref="Complete"/> from one thread at a time (the caller
/// serialises them). Any thread: <see cref="CreateReader"/>, <see cref="Published"/>, <see cref="IsCompleted"/>,
/// <see cref="ReaderCount"/>, <see cref="DroppedUnits"/>. Readers: see <see cref="StreamRingReader{T}"/>.</para>
/// <para>Publication is lock-free: each slot holds (sequence, unit), written under a per-slot sequence lock (the
/// sequence is cleared, the unit written, then the sequence set with <see cref="Volatile.Write(ref long, long)"/>); a
/// reader copies a slot between two reads of its sequence and so detects a slot the writer reused under it. The
/// writer's lock-free wake-up takes the stack of readers waiting in <see cref="StreamRingReader{T}.WaitToReadAsync"/>
/// (only readers that found nothing to read are on it) and calls each <see cref="IStreamRingListener"/> once.</para>
/// <para>Memory: a slot array of a power of two above the GOP cache and the largest reader lag (grown, by the writer,
/// when a reader asks for more); units are released once every reader has passed them and the GOP cache no longer
/// holds them (checked every 64 units), or when the ring holds more than <see cref="StreamRingOptions.MaxBytes"/>.</para>
/// </remarks>
public sealed class StreamRing<T> : IStreamRing
{
    private const long Empty = -1;
    private const int TrimInterval = 64;

    private readonly Lock _gate = new();
    private readonly int _maxGopUnits;
    private readonly long _maxGopBytes;
    private readonly long _maxBytes;
    private readonly int _readerLagUnits;
    private readonly long _readerLagBytes;
    private Slot[] _slots;
    private int _wantedCapacity;
    private long _published;
    private long _publishedBytes;
    private long _tail;
    private long _lastKeyframe = Empty;
    private long _gopStart = Empty;
    private int _gopUnits;
    private long _gopBytes;
    private bool _completed;
    private StreamRingReader<T>? _waiters;
    private StreamRingReader<T>[] _readers = [];
    private ListenerEntry[] _listeners = [];
    private long _droppedByDetached;

    /// <summary>Creates an empty ring with the given bounds (the hub's defaults when none).</summary>
    public StreamRing(StreamRingOptions? options = null)
    {
        options ??= new StreamRingOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxGopUnits, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxGopUnits, StreamRingOptions.MaxUnits, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxGopBytes, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReaderLagUnits, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ReaderLagUnits, StreamRingOptions.MaxUnits, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReaderLagBytes, 1, nameof(options));
        _maxGopUnits = options.MaxGopUnits;
        _maxGopBytes = options.MaxGopBytes;
        _maxBytes = options.MaxBytes > 0 ? options.MaxBytes : 2 * options.MaxGopBytes;
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxBytes, _maxGopBytes, nameof(options));
        _readerLagUnits = options.ReaderLagUnits;
        _readerLagBytes = options.ReaderLagBytes;
        _wantedCapacity = CapacityFor(_readerLagUnits);
        _slots = NewSlots(_wantedCapacity);
    }

    /// <inheritdoc />
    public long Published => Volatile.Read(ref _published);

    /// <summary>Payload bytes published so far (the sum of the lengths given to <see cref="Publish"/>).</summary>
    public long PublishedBytes => Volatile.Read(ref _publishedBytes);

    /// <inheritdoc />
    public bool IsCompleted => Volatile.Read(ref _completed);

    /// <summary>The slot array's length: the most units the ring can hold now.</summary>
    public int Capacity => Volatile.Read(ref _slots).Length;

    /// <summary>Readers attached now.</summary>
    public int ReaderCount => Volatile.Read(ref _readers).Length;

    /// <summary>Units dropped by readers that fell behind, detached readers included.</summary>
    public long DroppedUnits
    {
        get
        {
            lock (_gate)
            {
                var dropped = _droppedByDetached;
                foreach (var reader in _readers)
                {
                    dropped += reader.DroppedUnits;
                }

                return dropped;
            }
        }
    }

    internal long LastKeyframe => Volatile.Read(ref _lastKeyframe);

    /// <summary>
    /// Writes one unit for every reader (writer only). Never waits: readers that lag are not looked at. Returns false
    /// once the ring has ended.
    /// </summary>
    /// <param name="unit">The unit; neither it nor what it refers to may change afterwards.</param>
    /// <param name="length">Its payload bytes, for the byte bounds.</param>
    /// <param name="isKeyframe">
    /// True where a reader may start or resume: a video keyframe, or any unit of a stream without video. A keyframe
    /// starts a new GOP cache.
    /// </param>
    public bool Publish(in T unit, int length, bool isKeyframe)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_completed)
        {
            return false;
        }

        if (Volatile.Read(ref _wantedCapacity) > _slots.Length)
        {
            Grow();
        }

        var sequence = _published;
        var slots = _slots;
        if (sequence - _tail >= slots.Length)
        {
            Release(sequence - slots.Length + 1); // the oldest unit's slot is reused: a reader still on it was lapped
        }

        var previousKeyframe = _lastKeyframe;
        CacheGop(sequence, length, isKeyframe);
        ref var slot = ref slots[sequence & (slots.Length - 1)];
        Volatile.Write(ref slot.Sequence, Empty);
        Volatile.WriteBarrier(); // a reader copying the slot now sees the sequence change after its copy
        slot.Unit = unit;
        slot.Offset = _publishedBytes;
        slot.Length = length;
        slot.IsKeyframe = isKeyframe;
        slot.PreviousKeyframe = previousKeyframe;
        Volatile.Write(ref slot.Sequence, sequence);
        if (isKeyframe)
        {
            Volatile.Write(ref _lastKeyframe, sequence);
        }

        Volatile.Write(ref _publishedBytes, _publishedBytes + length);
        Volatile.Write(ref _published, sequence + 1);
        Trim(sequence);
        Signal(completed: false);
        return true;
    }

    /// <summary>
    /// Ends the ring (writer only): readers drain what they have not read and then see the end; listeners hear it once.
    /// </summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }

        Volatile.Write(ref _completed, true);
        Signal(completed: true);
    }

    /// <summary>
    /// Attaches a reader (any thread). It starts at the GOP cache's keyframe when the cache is valid (skipping ahead on
    /// its first read if the cache exceeds its bounds), otherwise at the next keyframe published. Dispose it to detach.
    /// </summary>
    /// <param name="maxLagUnits">How many units it may lag before it skips (0: the ring's default).</param>
    /// <param name="maxLagBytes">How many payload bytes it may lag before it skips (0: the ring's default).</param>
    /// <param name="listener">
    /// Its consumer group, if a worker drives it: the ring registers the listener once, however many readers name it,
    /// until the last of them is disposed.
    /// </param>
    public StreamRingReader<T> CreateReader(int maxLagUnits = 0, long maxLagBytes = 0, IStreamRingListener? listener = null)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLagUnits, StreamRingOptions.MaxUnits);
        var units = maxLagUnits > 0 ? maxLagUnits : _readerLagUnits;
        var bytes = maxLagBytes > 0 ? maxLagBytes : _readerLagBytes;
        lock (_gate)
        {
            // Grown by the writer before its next unit, so the reader's bound holds from now on.
            Volatile.Write(ref _wantedCapacity, Math.Max(_wantedCapacity, CapacityFor(units)));
            var reader = new StreamRingReader<T>(this, units, bytes, listener);
            Volatile.Write(ref _readers, [.. _readers, reader]);
            if (listener is not null)
            {
                AddListener(listener);
            }

            return reader;
        }
    }

    // A new reader's start: the GOP cache's keyframe while the cache is valid and the ring not ended. A cache longer
    // than the reader's bound makes its first read skip ahead, and count what it skipped.
    internal bool TryGetGopStart(out long sequence, out long offset)
    {
        sequence = Volatile.Read(ref _gopStart);
        if (sequence != Empty && !IsCompleted && TryReadSlot(sequence, out var slot))
        {
            offset = slot.Offset;
            return true;
        }

        offset = 0;
        return false;
    }

    // A copy of the slot holding `sequence`, if the ring still holds it. Lock-free: the copy is taken between two reads
    // of the slot's sequence, so a slot the writer reused or released meanwhile is refused, never returned torn.
    internal bool TryReadSlot(long sequence, out Slot slot)
    {
        var slots = Volatile.Read(ref _slots);
        while (true)
        {
            ref var source = ref slots[sequence & (slots.Length - 1)];
            if (Volatile.Read(ref source.Sequence) == sequence)
            {
                slot = source;
                Volatile.ReadBarrier();
                if (Volatile.Read(ref source.Sequence) == sequence)
                {
                    return true;
                }
            }

            // The writer may have grown the ring since: the unit is then in the new array (the old one never changes).
            var current = Volatile.Read(ref _slots);
            if (ReferenceEquals(current, slots))
            {
                slot = default;
                return false;
            }

            slots = current;
        }
    }

    // Lock-free push of a reader that found nothing to read; the writer pops the whole stack on its next unit.
    internal void AddWaiter(StreamRingReader<T> reader)
    {
        if (Interlocked.Exchange(ref reader.Queued, 1) == 1)
        {
            return; // still on the stack (from an earlier wait): the writer will wake it
        }

        StreamRingReader<T>? head;
        do
        {
            head = Volatile.Read(ref _waiters);
            reader.NextWaiter = head;
        }
        while (!ReferenceEquals(Interlocked.CompareExchange(ref _waiters, reader, head), head));
    }

    internal void Detach(StreamRingReader<T> reader)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_readers, reader);
            if (index < 0)
            {
                return;
            }

            Volatile.Write(ref _readers, [.. _readers.AsSpan(0, index), .. _readers.AsSpan(index + 1)]);
            _droppedByDetached += reader.DroppedUnits;
            if (reader.Listener is { } listener)
            {
                RemoveListener(listener);
            }
        }
    }

    private static Slot[] NewSlots(int capacity)
    {
        var slots = new Slot[capacity];
        foreach (ref var slot in slots.AsSpan())
        {
            slot.Sequence = Empty;
        }

        return slots;
    }

    private int CapacityFor(int lagUnits) =>
        (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(lagUnits, _maxGopUnits) + 1);

    // The GOP cache is the span from the latest keyframe while it stays within its bounds.
    private void CacheGop(long sequence, int length, bool isKeyframe)
    {
        if (isKeyframe)
        {
            Volatile.Write(ref _gopStart, sequence);
            _gopUnits = 0;
            _gopBytes = 0;
        }

        if (_gopStart == Empty)
        {
            return;
        }

        _gopUnits++;
        _gopBytes += length;
        if (_gopUnits > _maxGopUnits || _gopBytes > _maxGopBytes)
        {
            // Too long a GOP to replay: new readers wait for the next keyframe instead.
            Volatile.Write(ref _gopStart, Empty);
        }
    }

    // Writer: a larger slot array with the retained units at their places; readers find it on their next read.
    private void Grow()
    {
        var old = _slots;
        var grown = NewSlots(Volatile.Read(ref _wantedCapacity));
        for (var sequence = _tail; sequence < _published; sequence++)
        {
            grown[sequence & (grown.Length - 1)] = old[sequence & (old.Length - 1)];
        }

        Volatile.Write(ref _slots, grown);
    }

    // Releases what no reader needs any more (the writer owns the slots, so it reads them without the sequence lock).
    private void Trim(long sequence)
    {
        var slots = _slots;
        while (_tail < sequence && _publishedBytes - slots[_tail & (slots.Length - 1)].Offset > _maxBytes)
        {
            Release(_tail + 1); // the GOP cache is within MaxBytes, so this never reaches its keyframe
        }

        if (sequence % TrimInterval != 0)
        {
            return;
        }

        // What every reader has passed (or lags too far to read) and the GOP cache does not hold.
        var floor = _gopStart == Empty ? sequence + 1 : _gopStart;
        foreach (var reader in Volatile.Read(ref _readers))
        {
            floor = Math.Min(floor, reader.RetainFrom(sequence + 1));
        }

        if (floor > _tail)
        {
            Release(floor);
        }
    }

    private void Release(long upTo)
    {
        var slots = _slots;
        for (; _tail < upTo; _tail++)
        {
            ref var slot = ref slots[_tail & (slots.Length - 1)];
            Volatile.Write(ref slot.Sequence, Empty);
            Volatile.WriteBarrier();
            slot.Unit = default!;
        }
    }

    private void Signal(bool completed)
    {
        // A full fence after the writes above: a reader that pushed itself after this exchange re-checks and sees them.
        var waiter = Interlocked.Exchange(ref _waiters, null);
        while (waiter is not null)
        {
            var next = waiter.NextWaiter;
            waiter.NextWaiter = null;
            Interlocked.Exchange(ref waiter.Queued, 0);
            waiter.Wake();
            waiter = next;
        }

        foreach (var entry in Volatile.Read(ref _listeners))
        {
            if (completed)
            {
                entry.Listener.OnCompleted(this);
            }
            else
            {
                entry.Listener.OnPublished(this);
            }
        }
    }

    // Under _gate.
    private void AddListener(IStreamRingListener listener)
    {
        foreach (var entry in _listeners)
        {
            if (ReferenceEquals(entry.Listener, listener))
            {
                entry.Readers++;
                return;
            }
        }

        Volatile.Write(ref _listeners, [.. _listeners, new ListenerEntry(listener)]);
    }

    // Under _gate.
    private void RemoveListener(IStreamRingListener listener)
    {
        for (var i = 0; i < _listeners.Length; i++)
        {
            if (ReferenceEquals(_listeners[i].Listener, listener) && --_listeners[i].Readers == 0)
            {
                Volatile.Write(ref _listeners, [.. _listeners.AsSpan(0, i), .. _listeners.AsSpan(i + 1)]);
                return;
            }
        }
    }

    /// <summary>One unit in the ring. <see cref="Sequence"/> is <c>-1</c> while the slot is empty or being written.</summary>
    internal struct Slot
    {
        public long Sequence;
        public long Offset;
        public long PreviousKeyframe;
        public int Length;
        public bool IsKeyframe;
        public T Unit;
    }

    private sealed class ListenerEntry(IStreamRingListener listener)
    {
        public IStreamRingListener Listener { get; } = listener;

        public int Readers { get; set; } = 1;
    }
}
