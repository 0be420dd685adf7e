using EmsSharp.Server.Delivery.Rtp;

namespace EmsSharp.Benchmarks.Ring;

/// <summary>
/// Baseline for <see cref="StreamRingFanOutBenchmark"/>: the srtp source's fan-out before issue 13 (RtpStreamSource
/// at bb0eebe, its subscribe, publish and GOP cache copied as they were): under the source's lock, each unit is cached
/// and enqueued into every viewer's <see cref="BaselineRtpQueue"/>; a new viewer's queue is filled with the GOP cache.
/// </summary>
internal sealed class BaselineRtpFanOut
{
    private readonly RtpSourceOptions _options = new();
    private readonly Lock _gate = new();
    private readonly List<RtpAccessUnit> _gop = [];
    private BaselineRtpQueue[] _subscribers = [];
    private long _gopBytes;
    private bool _gopValid;

    public BaselineRtpQueue Subscribe()
    {
        lock (_gate)
        {
            var subscription = new BaselineRtpQueue(_options.ViewerQueueUnits, _options.ViewerQueueBytes);
            if (_gopValid)
            {
                foreach (var packet in _gop)
                {
                    subscription.Enqueue(packet);
                }
            }

            var subscribers = new BaselineRtpQueue[_subscribers.Length + 1];
            _subscribers.CopyTo(subscribers, 0);
            subscribers[^1] = subscription;
            Volatile.Write(ref _subscribers, subscribers);
            return subscription;
        }
    }

    public void Publish(RtpAccessUnit unit)
    {
        lock (_gate)
        {
            Cache(unit);
            foreach (var subscriber in _subscribers)
            {
                subscriber.Enqueue(unit);
            }
        }
    }

    private void Cache(RtpAccessUnit unit)
    {
        if (unit.IsKeyframe)
        {
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = true;
        }

        if (!_gopValid)
        {
            return;
        }

        if (_gop.Count >= _options.MaxGopUnits || _gopBytes + unit.Length > _options.MaxGopBytes)
        {
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = false;
            return;
        }

        _gop.Add(unit);
        _gopBytes += unit.Length;
    }
}
