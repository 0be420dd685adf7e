using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// One loop that owns many <see cref="PeerSession"/>s (mediasoup's worker model, with the sans-IO cores inside): a
/// single input queue and a single timer serve every session of the worker, so a viewer costs no task, timer or thread
/// of its own. Inputs of one session are handled in order, one at a time; a session's events are raised on its
/// worker's loop, so a handler must not block (it would hold up every session of the worker).
/// </summary>
/// <remarks>
/// The timer queue keeps, per session, only its earliest wake-up: a session whose deadline moves later keeps its
/// earlier entry and is woken early, which its cores treat as a no-op (they act on what is due at the time given), and
/// then asks again. So the queue holds about one entry per session however often its deadlines move.
/// </remarks>
internal sealed partial class SessionWorker : IAsyncDisposable
{
    // Inputs handled before the sessions they touched run their output phase (ICE transmits, timers): a burst on one
    // session cannot hold back the checks and timers of the others for long.
    private const int MaxInputsPerTurn = 256;

    private readonly Channel<WorkItem> _inputs =
        Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PriorityQueue<PeerSession, TimeSpan> _wakeups = new();
    private readonly HashSet<PeerSession> _touched = [];
    private readonly List<PeerSession> _due = [];
    private readonly ITimer _timer;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly Task _loop;
    private TimeSpan? _armedFor;
    private int _sessions;
    private long _inputsHandled;
    private int _queued;
    private long _turns;
    private long _sessionWakeups;

    public SessionWorker(int index, TimeProvider time, ILogger logger)
    {
        Index = index;
        Time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        MediaListener = new WorkerMediaListener(this);
        _timer = time.CreateTimer(static s => ((SessionWorker)s!).Post(null, new PeerSessionInput(PeerSessionInputKind.Timer)),
            this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The worker's one listener on the stream rings its sessions' media senders read.</summary>
    public WorkerMediaListener MediaListener { get; }

    /// <summary>The worker's number in its pool (for logs and counters).</summary>
    public int Index { get; }

    /// <summary>The clock every session of the worker reads.</summary>
    public TimeProvider Time { get; }

    /// <summary>Sessions this worker owns now.</summary>
    public int SessionCount => Volatile.Read(ref _sessions);

    /// <summary>A snapshot of the worker's counters (any thread; each figure is read atomically, not all at once).</summary>
    public SessionWorkerStats Stats => new(Index, SessionCount, Interlocked.Read(ref _inputsHandled),
        Interlocked.Read(ref _turns), Interlocked.Read(ref _sessionWakeups), Volatile.Read(ref _queued));

    private TimeSpan Now => Time.GetElapsedTime(_origin);

    /// <summary>
    /// Queues an input for <paramref name="session"/> (thread-safe). False once the worker stopped; the caller then
    /// owns the input's pooled buffer.
    /// </summary>
    public bool Post(PeerSession? session, PeerSessionInput input)
    {
        Interlocked.Increment(ref _queued);
        if (_inputs.Writer.TryWrite(new WorkItem(session, input)))
        {
            return true;
        }

        Interlocked.Decrement(ref _queued);
        return false;
    }

    /// <summary>Stops the loop after the inputs already queued and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        _inputs.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
    }

    internal void Attach() => Interlocked.Increment(ref _sessions);

    internal void Detach() => Interlocked.Decrement(ref _sessions);

    /// <summary>
    /// Wakes <paramref name="session"/> after <paramref name="delay"/> (null: no deadline). Worker loop only; called by
    /// the session at the end of each of its turns.
    /// </summary>
    internal void Schedule(PeerSession session, TimeSpan? delay)
    {
        if (delay is not { } d)
        {
            session.WakeAt = null;
            return;
        }

        var at = Now + (d < TimeSpan.Zero ? TimeSpan.Zero : d);
        session.WakeAt = at;
        EnqueueIfEarlier(session, at);
    }

    // Queues a wake-up only when it is earlier than the session's earliest queued one: the later entry would find the
    // session already woken and rescheduled.
    private void EnqueueIfEarlier(PeerSession session, TimeSpan at)
    {
        if (session.QueuedWakeAt is not { } queued || at < queued)
        {
            _wakeups.Enqueue(session, at);
            session.QueuedWakeAt = at;
        }
    }

    /// <summary>
    /// The session's timer as its worker holds it (worker loop only): its deadline, its earliest queued entry, and when the
    /// worker's timer fires, each relative to now.
    /// </summary>
    internal (TimeSpan? WakeIn, TimeSpan? QueuedWakeIn, TimeSpan? TimerIn) TimerState(PeerSession session)
    {
        var now = Now;
        return (session.WakeAt - now, session.QueuedWakeAt - now, _armedFor - now);
    }

    private async Task RunAsync()
    {
        var reader = _inputs.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var handled = 0;
            while (handled < MaxInputsPerTurn && reader.TryRead(out var item))
            {
                handled++;
                if (item.Session is { } session)
                {
                    session.HandleInput(item.Input);
                    _touched.Add(session);
                }
                else if (item.Input.Kind == PeerSessionInputKind.MediaPass)
                {
                    MediaListener.Run(item.Input.Pumps!);
                }
                else
                {
                    _armedFor = null;
                    CollectDue();
                }
            }

            Interlocked.Add(ref _queued, -handled);
            Interlocked.Add(ref _inputsHandled, handled);
            Interlocked.Increment(ref _turns);
            foreach (var session in _touched)
            {
                session.EndTurn();
            }

            _touched.Clear();
            Arm();
        }
    }

    /// <summary>Runs one media pump (worker loop only); a throwing pump is logged and the worker goes on.</summary>
    internal void RunPump(IMediaPump pump)
    {
        try
        {
            pump.Pump();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPumpFailed(_logger, Index, e);
        }
    }

    // Wakes every session whose deadline passed (once each, however many stale entries it has in the queue).
    private void CollectDue()
    {
        var now = Now;
        while (_wakeups.TryPeek(out var session, out var at) && at <= now)
        {
            _wakeups.Dequeue();
            if (session.QueuedWakeAt == at)
            {
                session.QueuedWakeAt = null;
            }

            if (session.WakeAt is not { } wake)
            {
                continue;
            }

            if (wake <= now)
            {
                session.WakeAt = null;
                _due.Add(session);
            }
            else
            {
                EnqueueIfEarlier(session, wake);
            }
        }

        Interlocked.Add(ref _sessionWakeups, _due.Count);
        foreach (var session in _due)
        {
            session.HandleInput(new PeerSessionInput(PeerSessionInputKind.Timer));
            _touched.Add(session);
        }

        _due.Clear();
    }

    // One timer for the whole worker, set to its earliest wake-up.
    private void Arm()
    {
        if (!_wakeups.TryPeek(out _, out var first))
        {
            return;
        }

        if (_armedFor is { } armed && armed <= first)
        {
            return;
        }

        _armedFor = first;
        var due = first - Now;
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Session worker {Index}: a media pump failed")]
    private static partial void LogPumpFailed(ILogger logger, int index, Exception exception);

    private readonly record struct WorkItem(PeerSession? Session, PeerSessionInput Input);
}
