using EmsSharp.Server.Delivery.Rtp;

namespace EmsSharp.Benchmarks.Ring;

/// <summary>
/// Baseline for <see cref="StreamRingFanOutBenchmark"/>: the per-viewer queue of the srtp delivery before issue 13's
/// stream ring (RtpSubscription at bb0eebe, its enqueue and read paths copied as they were): a bounded array per viewer,
/// filled by the source under the viewer's lock, drained under the same lock, dropping to the next keyframe when full.
/// Kept only here, to measure the ring against in one run; left out: the wait (the old type's waiter fields, and a
/// check of a flag under the lock that is never set here, as the benchmark's viewers never wait), leaving, and the
/// counters nobody reads here but the dropped units.
/// </summary>
internal sealed class BaselineRtpQueue
{
    private readonly Lock _gate = new();
    private readonly RtpAccessUnit?[] _ring;
    private readonly long _maxBytes;
    private int _head;
    private int _count;
    private long _bytes;
    private bool _skipping = true;
    private long _dropped;

    public BaselineRtpQueue(int capacity, long maxBytes)
    {
        _ring = new RtpAccessUnit?[Math.Max(1, capacity)];
        _maxBytes = Math.Max(1, maxBytes);
    }

    public long DroppedUnits => Volatile.Read(ref _dropped);

    public bool TryRead(out RtpAccessUnit? unit)
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                unit = _ring[_head]!;
                _ring[_head] = null;
                _head = (_head + 1) % _ring.Length;
                _count--;
                _bytes -= unit.Length;
                return true;
            }

            unit = null;
            return false;
        }
    }

    // Called by the source under its lock.
    public void Enqueue(RtpAccessUnit unit)
    {
        lock (_gate)
        {
            if (_count == _ring.Length || (_count > 0 && _bytes + unit.Length > _maxBytes))
            {
                _dropped += _count;
                Array.Clear(_ring);
                _head = 0;
                _count = 0;
                _bytes = 0;
                _skipping = true;
            }

            if (_skipping)
            {
                if (!unit.IsKeyframe)
                {
                    _dropped++;
                    return;
                }

                _skipping = false;
            }

            _ring[(_head + _count) % _ring.Length] = unit;
            _count++;
            _bytes += unit.Length;
        }
    }
}
