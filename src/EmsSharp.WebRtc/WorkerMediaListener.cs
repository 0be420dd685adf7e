using System.Collections.Concurrent;
using EmsSharp.Media.Ring;

namespace EmsSharp.WebRtc;

/// <summary>
/// A session worker's one listener on every stream ring its viewers read: a ring calls it once per unit (not once per
/// viewer), and it posts at most one pending pass per ring to the worker, which then pumps that ring's
/// <see cref="IMediaPump"/>s. Units that arrive while a pass is pending are picked up by that pass.
/// </summary>
internal sealed class WorkerMediaListener(SessionWorker worker) : IStreamRingListener
{
    private readonly ConcurrentDictionary<IStreamRing, RingPumps> _rings = new(ReferenceEqualityComparer.Instance);

    public void OnPublished(IStreamRing ring) => Schedule(ring);

    public void OnCompleted(IStreamRing ring) => Schedule(ring);

    /// <summary>Adds <paramref name="pump"/> to the ring's pass and runs it once (worker loop only).</summary>
    internal void Add(IStreamRing ring, IMediaPump pump)
    {
        var pumps = _rings.GetOrAdd(ring, static _ => new RingPumps());
        pumps.Pumps = [.. pumps.Pumps, pump];
        worker.RunPump(pump);
    }

    /// <summary>Takes <paramref name="pump"/> out of the ring's pass (worker loop only).</summary>
    internal void Remove(IStreamRing ring, IMediaPump pump)
    {
        if (!_rings.TryGetValue(ring, out var pumps))
        {
            return;
        }

        pumps.Pumps = Array.FindAll(pumps.Pumps, p => !ReferenceEquals(p, pump));
        if (pumps.Pumps.Length == 0)
        {
            _rings.TryRemove(new KeyValuePair<IStreamRing, RingPumps>(ring, pumps));
        }
    }

    /// <summary>Runs a ring's pass (worker loop only): every pump of the ring reads and sends what arrived.</summary>
    internal void Run(RingPumps pumps)
    {
        Volatile.Write(ref pumps.Pending, 0); // a unit published from now on schedules another pass
        foreach (var pump in pumps.Pumps) // a snapshot: a pump may leave during the pass
        {
            worker.RunPump(pump);
        }
    }

    private void Schedule(IStreamRing ring)
    {
        if (_rings.TryGetValue(ring, out var pumps) && Interlocked.Exchange(ref pumps.Pending, 1) == 0
            && !worker.Post(null, new PeerSessionInput(PeerSessionInputKind.MediaPass, Pumps: pumps)))
        {
            Volatile.Write(ref pumps.Pending, 0);
        }
    }

    /// <summary>The pumps of one ring on this worker, and whether a pass is queued.</summary>
    internal sealed class RingPumps
    {
        /// <summary>Replaced whole when a pump joins or leaves (worker loop only), so a pass iterates a snapshot.</summary>
        public IMediaPump[] Pumps = [];

        public int Pending;
    }
}
