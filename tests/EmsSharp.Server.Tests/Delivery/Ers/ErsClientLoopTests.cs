using System.Collections.Concurrent;
using EmsSharp.Server.Delivery.Ers;

namespace EmsSharp.Server.Tests.Delivery.Ers;

public sealed class ErsClientLoopTests
{
    [Fact]
    public async Task An_unexpected_exception_is_logged_and_the_loop_keeps_retrying_until_stopped()
    {
        var logs = new ListLoggerProvider();
        var statuses = new ConcurrentQueue<ErsStatusChangedEventArgs>();
        var changed = new ChangeSignal();
        // A host startWebrtc now refuses (as saved by an older version): building the URI throws UriFormatException.
        // The 1 ms backoff cap is the client's own retry delay, not a wait of the test.
        await using var client = new ErsClient(
            new ErsClientOptions { Host = "127.0.0.1:9", Port = 4545, RoomId = "r", MaxBackoff = TimeSpan.FromMilliseconds(1) },
            logs.CreateLogger(nameof(ErsClient)));
        client.StatusChanged += (_, e) =>
        {
            statuses.Enqueue(e);
            changed.Notify();
        };

        client.Start();
        await changed.WaitUntilAsync(
            () => statuses.Count(s => s.Status == ErsClientStatus.Reconnecting) >= 3, "the loop did not retry three times");
        await client.StopAsync();

        Assert.Equal(ErsClientStatus.Stopped, client.Status);
        Assert.Contains(statuses, s => s.Status == ErsClientStatus.Disconnected && s.Description.Contains("URI", StringComparison.Ordinal));
        Assert.True(logs.Contains("connection attempt failed unexpectedly; retrying with backoff"));
    }
}
