using EmsSharp.Server.Delivery.Rtp;

namespace EmsSharp.Server.Tests.Delivery.Rtp;

/// <summary>
/// A viewer for the source tests: each drain reads every queued unit (unless <see cref="Paused"/>), counts itself and
/// notes its thread; tests wait on a condition with a deadline, woken by each drain.
/// </summary>
internal sealed class CollectingRtpSubscriber : IRtpSubscriber
{
    private readonly Lock _gate = new();
    private readonly List<RtpAccessUnit> _units = [];
    private readonly List<int> _threads = [];
    private TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>While true a drain reads nothing (a viewer that cannot keep up).</summary>
    public bool Paused { get; set; }

    /// <summary>Throw from this drain number on (1-based; 0: never).</summary>
    public int ThrowFromDrain { get; init; }

    public int Drains
    {
        get
        {
            lock (_gate)
            {
                return _threads.Count;
            }
        }
    }

    public bool Ended { get; private set; }

    /// <summary>The managed thread of each drain, in order.</summary>
    public List<int> Threads
    {
        get
        {
            lock (_gate)
            {
                return [.. _threads];
            }
        }
    }

    public void Drain(RtpSubscription subscription)
    {
        TaskCompletionSource drained;
        lock (_gate)
        {
            _threads.Add(Environment.CurrentManagedThreadId);
            if (ThrowFromDrain > 0 && _threads.Count >= ThrowFromDrain)
                throw new InvalidOperationException("a broken viewer");
            while (!Paused && subscription.TryRead(out var unit))
                _units.Add(unit);
            Ended = subscription.IsDrained;
            drained = _drained;
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        drained.SetResult();
    }

    /// <summary>The first <paramref name="count"/> units read (all of them once the stream ended).</summary>
    public async Task<List<RtpAccessUnit>> ReadAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            Task drained;
            lock (_gate)
            {
                if (_units.Count >= count || Ended)
                    return [.. _units.Take(count)];
                drained = _drained.Task;
            }

            await drained.WaitAsync(deadline - DateTime.UtcNow);
        }
    }

    public Task<List<RtpAccessUnit>> ReadToEndAsync() => ReadAsync(int.MaxValue);

    /// <summary>Forgets what was read (the next <see cref="ReadAsync"/> counts from here).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _units.Clear();
        }
    }
}
