using System.Collections.Concurrent;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// The threads BouncyCastle's blocking DTLS handshakes run on: a bounded set, started as handshakes need them and
/// reused, so a burst of joining viewers queues its handshakes instead of creating a thread each. Once a handshake
/// ends, its session holds no thread (the records are then processed on the caller's thread, see
/// <see cref="BcDtlsTransport"/>). A thread idle for <see cref="DefaultIdleTimeout"/> leaves, so after a burst of
/// joins the process returns to its threads (and their stacks, about 300 KiB each) of before.
/// </summary>
/// <remarks>
/// A handshake blocks its thread while it waits for the peer's next flight (a round trip, or until the session's DTLS
/// deadline closes it for a peer that never sends one), so the pool is sized for waiting, not for CPU.
/// </remarks>
internal sealed class DtlsHandshakePool
{
    /// <summary>Handshakes in progress at most; more wait in the queue.</summary>
    public const int DefaultSize = 64;

    /// <summary>How long a thread waits for another handshake before it leaves.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(5);

    private readonly BlockingCollection<Action> _work = [];
    private readonly int _size;
    private readonly TimeSpan _idleTimeout;
    private int _started;
    private int _peak;
    private int _idle;

    public DtlsHandshakePool(int size = DefaultSize, TimeSpan? idleTimeout = null)
    {
        _size = size;
        _idleTimeout = idleTimeout ?? DefaultIdleTimeout;
    }

    /// <summary>The pool every transport uses.</summary>
    public static DtlsHandshakePool Shared { get; } = new();

    /// <summary>Threads alive now (never more than the size).</summary>
    public int ThreadCount => Volatile.Read(ref _started);

    /// <summary>The most threads that were alive at once.</summary>
    public int PeakThreadCount => Volatile.Read(ref _peak);

    /// <summary>Runs <paramref name="handshake"/> on a pool thread, starting one if none is idle and the pool is not full.</summary>
    public void Run(Action handshake)
    {
        _work.Add(handshake);
        if (_work.Count <= Volatile.Read(ref _idle))
        {
            return; // an idle thread takes it
        }

        if (TryCountThread(out var index))
        {
            new Thread(Work) { IsBackground = true, Name = "dtls-handshake-" + index }.Start();
        }
    }

    // Counts one more live thread if the pool is not full.
    private bool TryCountThread(out int index)
    {
        index = Volatile.Read(ref _started);
        while (index < _size)
        {
            var seen = Interlocked.CompareExchange(ref _started, index + 1, index);
            if (seen == index)
            {
                var peak = Volatile.Read(ref _peak);
                while (peak <= index)
                {
                    var was = Interlocked.CompareExchange(ref _peak, index + 1, peak);
                    if (was == peak)
                    {
                        break;
                    }

                    peak = was;
                }

                return true;
            }

            index = seen;
        }

        return false;
    }

    private void Work()
    {
        while (true)
        {
            Interlocked.Increment(ref _idle);
            var taken = _work.TryTake(out var handshake, _idleTimeout);
            Interlocked.Decrement(ref _idle);
            if (taken)
            {
                handshake!();
                continue;
            }

            Interlocked.Decrement(ref _started);
            // Run may have queued a handshake while counting this thread as idle: if any is queued now, stay.
            if (_work.Count == 0 || !TryCountThread(out _))
            {
                return;
            }
        }
    }
}
