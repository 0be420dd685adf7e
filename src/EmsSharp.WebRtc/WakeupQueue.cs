namespace EmsSharp.WebRtc;

/// <summary>What a <see cref="WakeupQueue{T}"/> keeps on each of its members (read and written by the queue only).</summary>
internal interface IWakeupMember
{
    /// <summary>When the member should next be woken; null when no deadline is pending.</summary>
    TimeSpan? WakeAt { get; set; }

    /// <summary>The member's earliest entry in the queue, if any.</summary>
    TimeSpan? QueuedWakeAt { get; set; }
}

/// <summary>
/// The deadlines of a worker's sessions in one priority queue, read by one timer (single-threaded: the worker's loop).
/// It keeps, per member, only its earliest wake-up: a deadline that moves later leaves its entry where it is, and the
/// entry is moved when it reaches the head (<see cref="Next"/>) or falls due (<see cref="CollectDue"/>). So the queue
/// holds about one entry per member however often deadlines move, and a deadline that moves on every packet (an SCTP
/// retransmission timer restarted by each SACK, RFC 4960 §6.3.2) costs no fire of the timer.
/// </summary>
internal sealed class WakeupQueue<T>
    where T : class, IWakeupMember
{
    private readonly PriorityQueue<T, TimeSpan> _entries = new();

    /// <summary>Entries queued, live or stale (for tests and counters).</summary>
    public int Count => _entries.Count;

    /// <summary>Sets <paramref name="member"/>'s deadline (null: none).</summary>
    public void Schedule(T member, TimeSpan? at)
    {
        member.WakeAt = at;
        if (at is { } a)
        {
            EnqueueIfEarlier(member, a);
        }
    }

    /// <summary>
    /// The earliest live deadline, after moving stale entries at the head to their members' deadlines; null when no
    /// member has one. Arming the timer for this (never for the raw head) is what keeps moved deadlines from firing it.
    /// </summary>
    public TimeSpan? Next()
    {
        while (_entries.TryPeek(out var member, out var at) && !(member.QueuedWakeAt == at && member.WakeAt == at))
        {
            Requeue(member, at);
        }

        return _entries.TryPeek(out _, out var first) ? first : null;
    }

    /// <summary>
    /// Adds to <paramref name="due"/> every member whose deadline is at or before <paramref name="now"/>, once each
    /// however many stale entries it has, and clears those deadlines.
    /// </summary>
    public void CollectDue(TimeSpan now, List<T> due)
    {
        while (_entries.TryPeek(out var member, out var at) && at <= now)
        {
            if (member.WakeAt is { } wake && wake <= now)
            {
                _entries.Dequeue();
                if (member.QueuedWakeAt == at)
                {
                    member.QueuedWakeAt = null;
                }

                member.WakeAt = null;
                due.Add(member);
            }
            else
            {
                Requeue(member, at);
            }
        }
    }

    // Takes the head entry (member at `at`) out and queues the member at its current deadline, if it has one.
    private void Requeue(T member, TimeSpan at)
    {
        _entries.Dequeue();
        if (member.QueuedWakeAt == at)
        {
            member.QueuedWakeAt = null;
        }

        if (member.WakeAt is { } wake)
        {
            EnqueueIfEarlier(member, wake);
        }
    }

    // Queues a wake-up only when it is earlier than the member's earliest queued one: the later entry would find the
    // member already woken and rescheduled.
    private void EnqueueIfEarlier(T member, TimeSpan at)
    {
        if (member.QueuedWakeAt is not { } queued || at < queued)
        {
            _entries.Enqueue(member, at);
            member.QueuedWakeAt = at;
        }
    }
}
