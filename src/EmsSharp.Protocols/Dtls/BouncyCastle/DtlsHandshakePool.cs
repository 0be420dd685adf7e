using System.Collections.Concurrent;

namespace EmsSharp.Protocols.Dtls.BouncyCastle;

/// <summary>
/// The threads BouncyCastle's blocking DTLS handshakes run on: a fixed set, started as the first handshakes need them
/// and reused, so a burst of joining viewers queues its handshakes instead of creating a thread each. Once a handshake
/// ends, its session holds no thread (the records are then processed on the caller's thread, see
/// <see cref="BcDtlsTransport"/>).
/// </summary>
/// <remarks>
/// A handshake blocks its thread while it waits for the peer's next flight (a round trip, or until the session's DTLS
/// deadline closes it for a peer that never sends one), so the pool is sized for waiting, not for CPU.
/// </remarks>
internal sealed class DtlsHandshakePool
{
    /// <summary>Handshakes in progress at most; more wait in the queue.</summary>
    public const int DefaultSize = 64;

    private readonly BlockingCollection<Action> _work = [];
    private readonly int _size;
    private int _started;
    private int _idle;

    public DtlsHandshakePool(int size = DefaultSize) => _size = size;

    /// <summary>The pool every transport uses.</summary>
    public static DtlsHandshakePool Shared { get; } = new();

    /// <summary>Threads started so far (never more than the size).</summary>
    public int ThreadCount => Volatile.Read(ref _started);

    /// <summary>Runs <paramref name="handshake"/> on a pool thread, starting one if none is idle and the pool is not full.</summary>
    public void Run(Action handshake)
    {
        _work.Add(handshake);
        if (_work.Count <= Volatile.Read(ref _idle))
        {
            return; // an idle thread takes it
        }

        var started = Volatile.Read(ref _started);
        while (started < _size)
        {
            var seen = Interlocked.CompareExchange(ref _started, started + 1, started);
            if (seen == started)
            {
                new Thread(Work) { IsBackground = true, Name = "dtls-handshake-" + started }.Start();
                return;
            }

            started = seen;
        }
    }

    private void Work()
    {
        while (true)
        {
            Interlocked.Increment(ref _idle);
            var handshake = _work.Take();
            Interlocked.Decrement(ref _idle);
            handshake();
        }
    }
}
