using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Tests.Srtp;

public class SrtpReplayWindowTests
{
    [Fact]
    public void Fresh_window_accepts_anything()
    {
        var window = new SrtpReplayWindow();
        Assert.False(window.IsReplay(5));
        Assert.False(window.IsReplay(0));
    }

    [Fact]
    public void Accepted_index_is_a_replay_and_its_neighbours_are_not()
    {
        var window = new SrtpReplayWindow();
        window.Accept(100);
        Assert.True(window.IsReplay(100));
        Assert.False(window.IsReplay(99));
        Assert.False(window.IsReplay(101));
    }

    [Fact]
    public void A_late_packet_within_the_window_is_accepted_once()
    {
        var window = new SrtpReplayWindow();
        for (long i = 0; i <= 1000; i++)
        {
            if (i != 3)
                window.Accept(i);
        }

        // A NACKed retransmission ~1,000 packets later (RFC 3711 §3.3.2: inside the window, not yet seen).
        Assert.False(window.IsReplay(3));
        window.Accept(3);
        Assert.True(window.IsReplay(3));
    }

    [Theory]
    [InlineData(SrtpReplayWindow.Size - 1, false)] // the oldest index the window still holds
    [InlineData(SrtpReplayWindow.Size, true)] // one older: refused as too old
    public void Age_limit_is_the_window_size(int age, bool replay)
    {
        var window = new SrtpReplayWindow();
        window.Accept(5000);
        Assert.Equal(replay, window.IsReplay(5000 - age));
    }

    [Fact]
    public void Sliding_forward_forgets_the_slots_it_passes()
    {
        var window = new SrtpReplayWindow();
        window.Accept(10);
        window.Accept(10 + SrtpReplayWindow.Size - 1);
        // Index 10 + Size shares 10's ring slot; once the window moves past, 10's bit must not mark it as seen.
        Assert.False(window.IsReplay(10 + SrtpReplayWindow.Size));
        window.Accept(10 + (3 * SrtpReplayWindow.Size)); // a jump larger than the window clears everything
        Assert.False(window.IsReplay(10 + (3 * SrtpReplayWindow.Size) - 1));
        Assert.True(window.IsReplay(10 + (3 * SrtpReplayWindow.Size)));
    }
}
