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
/// Deadlines live in a <see cref="WakeupQueue{T}"/>: one entry per session, and the timer armed for the earliest live
/// deadline only. The loop runs as a task on the thread pool; a thread of its own was measured (round 4 in
/// docs/BENCHMARKS.md: srtp p99 about 1 ms lower at 250 viewers) and left out, because its quicker turns exposed orderings
/// that the pool's hop had hidden (one found and fixed: a data channel handler attached after the channel could open).
/// </remarks>
internal sealed partial class SessionWorker : IAsyncDisposable
{
    // Inputs handled before the sessions they touched run their output phase (ICE transmits, timers): a burst on one
    // session cannot hold back the checks and timers of the others for long.
    private const int MaxInputsPerTurn = 256;

    private readonly Channel<WorkItem> _inputs =
        Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WakeupQueue<PeerSession> _wakeups = new();
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
    internal void Schedule(PeerSession session, TimeSpan? delay) =>
        _wakeups.Schedule(session, delay is { } d ? Now + (d < TimeSpan.Zero ? TimeSpan.Zero : d) : null);

    /// <summary>
    /// The session's timer as its worker holds it (worker loop only): its deadline, its earliest queued entry, and when the
    /// worker's timer fires, each relative to now.
    /// </summary>
    internal (TimeSpan? WakeIn, TimeSpan? QueuedWakeIn, TimeSpan? TimerIn) TimerState(PeerSession session)
    {
        var now = Now;
        IWakeupMember member = session;
        return (member.WakeAt - now, member.QueuedWakeAt - now, _armedFor - now);
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

    // Wakes every session whose deadline passed.
    private void CollectDue()
    {
        _wakeups.CollectDue(Now, _due);
        Interlocked.Add(ref _sessionWakeups, _due.Count);
        foreach (var session in _due)
        {
            session.HandleInput(new PeerSessionInput(PeerSessionInputKind.Timer));
            _touched.Add(session);
        }

        _due.Clear();
    }

    // One timer for the whole worker, set to its earliest live wake-up: moved later too (or stopped) when that wake-up
    // went, so a fire that nobody needs costs at most a wake of the runtime's timer thread, not a pool thread's and the
    // loop's as well. Before, the timer was armed for the queue's raw head: at 250 fmp4 viewers, whose SCTP timers move
    // with every SACK, the worker timers fired about 1,250 times a second for about 25 sessions actually due.
    private void Arm()
    {
        var first = _wakeups.Next();
        if (_armedFor == first)
        {
            return;
        }

        _armedFor = first;
        var due = first - Now;
        _timer.Change(due is not { } d ? Timeout.InfiniteTimeSpan : d < TimeSpan.Zero ? TimeSpan.Zero : d, Timeout.InfiniteTimeSpan);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Session worker {Index}: a media pump failed")]
    private static partial void LogPumpFailed(ILogger logger, int index, Exception exception);

    private readonly record struct WorkItem(PeerSession? Session, PeerSessionInput Input);
}
