using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// One loop on a thread of its own that owns many <see cref="PeerSession"/>s (mediasoup's worker model, with the
/// sans-IO cores inside): a single input queue and a single deadline serve every session of the worker, so a viewer costs
/// no task, timer or thread of its own. Inputs of one session are handled in order, one at a time; a session's events
/// are raised on its worker's loop, so a handler must not block (it would hold up every session of the worker).
/// </summary>
/// <remarks>
/// The loop owns a thread rather than running as a task on the thread pool: a pool-hosted loop went back to the pool at
/// each empty queue, so each input after it woke a pool thread through the pool's queue and semaphore, and a timer fire
/// woke the timer thread, a pool thread and then the loop. Here a poster wakes the thread only when it sleeps, once. At
/// 250 viewers, interleaved runs: server-added p99 4.5-4.7 ms instead of 5.6-5.9 (srtp), CPU per viewer 0.95x (srtp)
/// and 0.92x (fmp4), with <see cref="WakeupQueue{T}"/> arming the timer for live deadlines only. The loop now sleeps
/// until that deadline itself, so a wake-up no longer passes through the runtime's timer thread and a pool thread.
/// </remarks>
internal sealed partial class SessionWorker : IAsyncDisposable
{
    // Inputs handled before the sessions they touched run their output phase (ICE transmits, timers): a burst on one
    // session cannot hold back the checks and timers of the others for long.
    private const int MaxInputsPerTurn = 256;

    private readonly ConcurrentQueue<WorkItem> _inputs = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly WakeupQueue<PeerSession> _wakeups = new();
    private readonly HashSet<PeerSession> _touched = [];
    private readonly List<PeerSession> _due = [];
    // A test clock (any TimeProvider but the system's) fires the worker's wake-ups through a timer it controls; the system
    // clock needs none: the loop sleeps until its earliest wake-up itself (see WaitForInput).
    private readonly ITimer? _timer;
    private readonly ILogger _logger;
    private readonly DeferredUdpSends? _deferredSends;
    private readonly long _origin;
    private readonly int _threadId;
    private TimeSpan? _armedFor;
    private bool _endingTurns;
    private int _completing;
    private int _asleep;
    private int _sessions;
    private long _inputsHandled;
    private int _queued;
    private long _turns;
    private long _sessionWakeups;

    public SessionWorker(int index, TimeProvider time, ILogger logger, DeferredUdpSends? deferredSends = null)
    {
        Index = index;
        _deferredSends = deferredSends;
        Time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        MediaListener = new WorkerMediaListener(this);
        _timer = time == TimeProvider.System
            ? null
            : time.CreateTimer(static s => ((SessionWorker)s!).Post(null, new PeerSessionInput(PeerSessionInputKind.Timer)),
                this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var thread = new Thread(Run) { IsBackground = true, Name = "session-worker-" + index };
        _threadId = thread.ManagedThreadId;
        thread.Start();
    }

    /// <summary>True on the worker's own thread: a session's core may be driven directly, without a post.</summary>
    public bool IsLoopThread => Environment.CurrentManagedThreadId == _threadId;

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
        // Counted before the check, so the loop, once completing, still waits for a post that saw it running.
        Interlocked.Increment(ref _queued);
        if (Volatile.Read(ref _completing) == 1)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        _inputs.Enqueue(new WorkItem(session, input));
        WakeIfAsleep();
        return true;
    }

    /// <summary>Stops the loop after the inputs already queued and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _completing, 1);
        WakeIfAsleep();
        await _stopped.Task.ConfigureAwait(false);
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _wake.Dispose();
    }

    // Only the poster that finds the loop asleep sets the event, so one Set answers each sleep.
    private void WakeIfAsleep()
    {
        if (Volatile.Read(ref _asleep) == 1 && Interlocked.Exchange(ref _asleep, 0) == 1)
        {
            _wake.Set();
        }
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

    private void Run()
    {
        try
        {
            while (WaitForInput())
            {
                RunTurn();
            }

            _stopped.TrySetResult();
        }
        catch (Exception e)
        {
            // Every input's handler catches its own faults; reaching here is a bug in the loop itself.
            LogLoopFailed(_logger, Index, e);
            _stopped.TrySetException(e);
        }
    }

    // True when an input is queued or the earliest wake-up is due; false once the worker is completing and every post that
    // saw it running was handled. Each side writes with a full fence before it reads the other's state (Interlocked on the
    // flag here, on the queue and the counter in Post), so either the loop sees the input or the poster sees the loop
    // asleep.
    private bool WaitForInput()
    {
        while (_inputs.IsEmpty)
        {
            if (Volatile.Read(ref _completing) == 1)
            {
                if (Volatile.Read(ref _queued) == 0)
                {
                    return false;
                }

                Thread.Yield(); // a post counted itself before completion and is about to enqueue
                continue;
            }

            var sleep = SleepFor();
            if (sleep == 0)
            {
                return true; // a wake-up is due
            }

            Interlocked.Exchange(ref _asleep, 1);
            if ((!_inputs.IsEmpty || Volatile.Read(ref _completing) == 1) && Interlocked.Exchange(ref _asleep, 0) == 1)
            {
                continue; // work came before anyone saw the flag: no Set is coming
            }

            // Whoever cleared the flag sets the event, once. A wait that timed out clears the flag itself; a Set that
            // still comes only wakes the loop once for nothing.
            if (!_wake.Wait(sleep))
            {
                Interlocked.Exchange(ref _asleep, 0);
            }

            _wake.Reset();
        }

        return true;
    }

    // How long the loop may sleep, in whole milliseconds rounded up (the wake-up is never early): infinite with nothing
    // due or a test clock's timer armed, 0 when the earliest wake-up is due now. Before, a System.Threading timer fired
    // the wake-ups: each fire woke the runtime's timer thread, a pool thread that posted, and then the loop, and each
    // re-arm could wake the timer thread as well.
    private int SleepFor()
    {
        if (_timer is not null || _armedFor is not { } due)
        {
            return Timeout.Infinite;
        }

        var ms = Math.Ceiling((due - Now).TotalMilliseconds);
        return ms <= 0 ? 0 : (int)Math.Min(ms, int.MaxValue);
    }

    // The UDP sends of a turn go out together at its end (DeferredUdpSends): a media pass's unit to every viewer of the
    // worker leaves in a few sendmmsg calls rather than one per viewer.
    private void RunTurn()
    {
        _deferredSends?.Begin();
        try
        {
            HandleInputs();
        }
        finally
        {
            _deferredSends?.End();
        }
    }

    private void HandleInputs()
    {
        if (_timer is null && _armedFor <= Now)
        {
            _armedFor = null;
            CollectDue();
        }

        var handled = 0;
        while (handled < MaxInputsPerTurn && _inputs.TryDequeue(out var item))
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
        _endingTurns = true;
        foreach (var session in _touched)
        {
            session.EndTurn();
        }

        _endingTurns = false;
        _touched.Clear();
        Arm();
    }

    /// <summary>
    /// Worker loop only: <paramref name="session"/> was driven directly (a media pump sent on it) and runs its output
    /// phase at the end of this turn. A session already in its output phase drains what it was given there.
    /// </summary>
    internal void Touch(PeerSession session)
    {
        if (!_endingTurns)
        {
            _touched.Add(session);
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

    // One deadline for the whole worker, its earliest live wake-up: moved later too (or dropped) when that wake-up went,
    // so the loop does not wake for nothing (a test clock's timer is changed to match). Before, the deadline was the
    // queue's raw head: at 250 fmp4 viewers, whose SCTP timers move with every SACK, the worker timers fired about 1,250
    // times a second for about 25 sessions actually due.
    private void Arm()
    {
        var first = _wakeups.Next();
        if (_armedFor == first)
        {
            return;
        }

        _armedFor = first;
        var due = first - Now;
        _timer?.Change(due is not { } d ? Timeout.InfiniteTimeSpan : d < TimeSpan.Zero ? TimeSpan.Zero : d, Timeout.InfiniteTimeSpan);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Session worker {Index}: its loop failed and stopped")]
    private static partial void LogLoopFailed(ILogger logger, int index, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session worker {Index}: a media pump failed")]
    private static partial void LogPumpFailed(ILogger logger, int index, Exception exception);

    private readonly record struct WorkItem(PeerSession? Session, PeerSessionInput Input);
}
