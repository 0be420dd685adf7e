using EmsSharp.Server.Delivery.Ers;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>Reconnect timing of <see cref="ErsClient"/> on fake time: it waits exactly its backoff, never spins.</summary>
public class ErsClientBackoffTests
{
    [Fact]
    public async Task UnreachableErs_WaitsBackoffOnFakeTime_ThenRetries()
    {
        int port = LoopbackPort.Closed();
        FakeTimeProvider time = new();
        await using ErsClient client = new(new ErsClientOptions { Host = "127.0.0.1", Port = port, RoomId = "r" }, null, time);
        ErsClientProbe events = new(client);
        client.Start();
        await events.WaitStatusAsync(ErsClientStatus.Connecting);
        await events.WaitStatusAsync(ErsClientStatus.Disconnected);
        ErsStatusChangedEventArgs waiting = await events.WaitStatusAsync(ErsClientStatus.Reconnecting);
        Assert.Matches("^retrying in [0-9]+ ms$", waiting.Description);

        // Nothing happens until fake time reaches the backoff (first retry at most 250 ms).
        Assert.False(events.Statuses.Reader.TryRead(out _));
        time.Advance(TimeSpan.FromMilliseconds(250));
        await events.WaitStatusAsync(ErsClientStatus.Connecting);
        await events.WaitStatusAsync(ErsClientStatus.Reconnecting);
        await client.StopAsync();
        Assert.Equal(ErsClientStatus.Stopped, client.Status);
    }
}
