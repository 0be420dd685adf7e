namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// The worker's deadline queue: a deadline that moves later never arms the timer at its old time, each due member is
/// woken once however many entries it left, and the queue holds about one entry per member.
/// </summary>
public sealed class WakeupQueueTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void A_deadline_moved_later_arms_the_timer_at_the_new_deadline_not_the_old()
    {
        var queue = new WakeupQueue<Member>();
        var a = new Member();
        var b = new Member();
        queue.Schedule(a, 100 * Ms);
        queue.Schedule(b, 300 * Ms);
        Assert.Equal(100 * Ms, queue.Next());

        queue.Schedule(a, 200 * Ms); // an SCTP retransmission timer restarted by a SACK
        Assert.Equal(200 * Ms, queue.Next());

        queue.Schedule(a, null); // everything acknowledged: the timer stopped
        Assert.Equal(300 * Ms, queue.Next());

        queue.Schedule(b, null);
        Assert.Null(queue.Next());
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_deadline_moved_earlier_is_queued_at_once()
    {
        var queue = new WakeupQueue<Member>();
        var a = new Member();
        queue.Schedule(a, 500 * Ms);
        queue.Schedule(a, 50 * Ms);
        Assert.Equal(50 * Ms, queue.Next());
    }

    [Fact]
    public void A_deadline_moved_on_every_packet_keeps_one_entry_per_member()
    {
        var queue = new WakeupQueue<Member>();
        var members = Enumerable.Range(0, 10).Select(_ => new Member()).ToArray();
        for (var step = 1; step <= 1000; step++)
        {
            foreach (var m in members)
            {
                queue.Schedule(m, (step + 200) * Ms); // restarted a millisecond later each time
            }

            queue.Next();
        }

        Assert.InRange(queue.Count, members.Length, 2 * members.Length);
        Assert.Equal(1200 * Ms, queue.Next());
    }

    [Fact]
    public void Collecting_wakes_each_due_member_once_and_only_those_due()
    {
        var queue = new WakeupQueue<Member>();
        var early = new Member();
        var moved = new Member();
        var late = new Member();
        queue.Schedule(early, 300 * Ms);
        queue.Schedule(early, 10 * Ms); // two entries, one member
        queue.Schedule(moved, 20 * Ms);
        queue.Schedule(moved, 400 * Ms); // its entry at 20 ms is stale
        queue.Schedule(late, 500 * Ms);

        var due = new List<Member>();
        queue.CollectDue(350 * Ms, due);
        Assert.Equal([early], due);
        Assert.Null(((IWakeupMember)early).WakeAt);
        Assert.Equal(400 * Ms, queue.Next());

        due.Clear();
        queue.CollectDue(450 * Ms, due);
        Assert.Equal([moved], due);

        due.Clear();
        queue.CollectDue(TimeSpan.FromSeconds(1), due);
        Assert.Equal([late], due);
        Assert.Null(queue.Next());
        Assert.Equal(0, queue.Count);
    }

    private sealed class Member : IWakeupMember
    {
        public TimeSpan? WakeAt { get; set; }

        public TimeSpan? QueuedWakeAt { get; set; }
    }
}
