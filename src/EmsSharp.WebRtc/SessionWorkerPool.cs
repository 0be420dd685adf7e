using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// The fixed set of <see cref="SessionWorker"/>s of a port (one per core by default): a new session goes to the worker
/// that owns the fewest, and stays there for its life.
/// </summary>
internal sealed class SessionWorkerPool : IAsyncDisposable
{
    private readonly SessionWorker[] _workers;

    /// <param name="count">Workers; 0 or less means one per processor.</param>
    /// <param name="time">The clock of every worker's timer and sessions.</param>
    /// <param name="logger">Where workers log a failing media pump.</param>
    /// <param name="deferredSends">Makes each worker's holder of the UDP sends of a turn; null: every send goes at once.</param>
    public SessionWorkerPool(int count, TimeProvider time, ILogger logger, Func<DeferredUdpSends>? deferredSends = null)
    {
        _workers = new SessionWorker[count > 0 ? count : Environment.ProcessorCount];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new SessionWorker(i, time, logger, deferredSends?.Invoke());
        }
    }

    /// <summary>The workers, in index order.</summary>
    public IReadOnlyList<SessionWorker> Workers => _workers;

    /// <summary>The worker with the fewest sessions (the lowest index on a tie).</summary>
    public SessionWorker Next()
    {
        var best = _workers[0];
        for (var i = 1; i < _workers.Length; i++)
        {
            if (_workers[i].SessionCount < best.SessionCount)
            {
                best = _workers[i];
            }
        }

        return best;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
