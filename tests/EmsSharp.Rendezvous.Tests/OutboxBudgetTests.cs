using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Rendezvous.SocketIo;

namespace EmsSharp.Rendezvous.Tests;

public class OutboxBudgetTests
{
    private static readonly ErsLimitsOptions Limits = new() { MaxFrameLength = 1024, MaxQueuedBytesPerSender = 4096, MaxQueuedBytes = 16384 };

    [Fact]
    public void Flooder_IsRefusedAtItsShare_OthersAndTheServerStillGetThrough()
    {
        OutboxBudget budget = new(Limits);
        Assert.Equal(OutboxAdmission.Accepted, budget.Admit("flooder", 4000));
        Assert.Equal(OutboxAdmission.SenderOverBudget, budget.Admit("flooder", 100));
        Assert.Equal(OutboxAdmission.Accepted, budget.Admit("ems", 4000));
        Assert.Equal(OutboxAdmission.Accepted, budget.Admit(null, 100));
        Assert.Equal(8100, budget.QueuedBytes);

        // Once the receiver reads the flooder's bytes, the flooder may send again.
        budget.Release("flooder", 4000);
        Assert.Equal(OutboxAdmission.Accepted, budget.Admit("flooder", 100));
    }

    [Fact]
    public void ManySenders_FillOnlyThreeQuarters_TheRestIsForTheServersOwnFrames()
    {
        OutboxBudget budget = new(Limits);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(OutboxAdmission.Accepted, budget.Admit($"s{i}", 4096));
        }

        Assert.Equal(OutboxAdmission.ReceiverBusy, budget.Admit("s3", 1));
        Assert.Equal(OutboxAdmission.Accepted, budget.Admit(null, 4096));

        // Only a socket that does not read its own frames runs out: that one is closed (Full).
        Assert.Equal(OutboxAdmission.Full, budget.Admit(null, 1));
    }

    [Fact]
    public void ReleasingEverything_ForgetsTheSenders()
    {
        OutboxBudget budget = new(Limits);
        budget.Admit("a", 10);
        budget.Admit("a", 20);
        budget.Admit("b", 5);
        budget.Admit(null, 7);
        budget.Release("a", 10);
        Assert.Equal(2, budget.SenderCount);
        budget.Release("a", 20);
        budget.Release("b", 5);
        budget.Release(null, 7);
        Assert.Equal(0, budget.SenderCount);
        Assert.Equal(0, budget.QueuedBytes);
    }

    [Theory]
    [InlineData(65536, 200_000, 2_000_000)] // a sender's share below four of the largest frames
    [InlineData(65536, 512 * 1024, 600_000)] // the outbox below twice a sender's share
    public void Limits_ThatCannotHoldAFrame_AreRefusedAtLoad(int frame, long perSender, long total)
    {
        ErsOptions options = new();
        options.Limits.MaxFrameLength = frame;
        options.Limits.MaxQueuedBytesPerSender = perSender;
        options.Limits.MaxQueuedBytes = total;
        Assert.Contains("maxQueuedBytes", Assert.Throws<InvalidDataException>(options.Validate).Message, StringComparison.Ordinal);
    }
}
