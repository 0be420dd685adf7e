using System.Diagnostics;
using System.Globalization;
using EmsSharp.Rendezvous;
using EmsSharp.Server.Delivery.Ers;
using Xunit.Abstractions;

namespace EmsSharp.Interop.Tests.Rendezvous;

/// <summary>
/// Issue 17, EMS side: an <see cref="ErsClient"/> given several ERS nodes (two in-process <c>ers</c>, each with its
/// own rooms: no Redis) fails over to the next when one dies or refuses connections.
/// </summary>
public sealed class ErsClientFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Node_A_stopped_the_client_is_joined_to_its_room_on_node_B_within_two_seconds()
    {
        await using ErsHost a = await SocketIoClientInteropTests.StartErsAsync();
        await using ErsHost b = await SocketIoClientInteropTests.StartErsAsync();
        await using ErsClient client = new(Options(a.Port, b.Port));
        ErsClientProbe probe = new(client);
        client.Start();
        Assert.Equal($"connecting to 127.0.0.1:{a.Port} (1 of 2)", (await probe.WaitStatusAsync(ErsClientStatus.Connecting)).Description);
        await probe.WaitStatusAsync(ErsClientStatus.Joined);
        Assert.Equal(new ErsAddress("127.0.0.1", a.Port), client.CurrentAddress);
        string instance = client.Instance;

        Stopwatch failover = Stopwatch.StartNew();
        await a.StopAsync();
        long stopped = failover.ElapsedMilliseconds;
        await probe.WaitStatusAsync(ErsClientStatus.Disconnected, Left(failover, 2));
        long lost = failover.ElapsedMilliseconds;
        Assert.Equal($"connecting to 127.0.0.1:{b.Port} (2 of 2)",
            (await probe.WaitStatusAsync(ErsClientStatus.Connecting, Left(failover, 2))).Description);
        ErsStatusChangedEventArgs joined = await probe.WaitStatusAsync(ErsClientStatus.Joined, Left(failover, 2));
        output.WriteLine($"back in room R through node B {failover.ElapsedMilliseconds} ms after node A began to stop " +
            $"(its stop returned at {stopped} ms, the client saw the loss at {lost} ms)");

        Assert.Equal($"joined room R as {client.PeerId}", joined.Description);
        Assert.Equal(new ErsAddress("127.0.0.1", b.Port), client.CurrentAddress);
        Assert.Equal(instance, client.Instance); // the same EMS coming back, for a clustered ERS to recognise
    }

    [Fact]
    public async Task First_address_refusing_connections_the_client_joins_through_the_second_without_a_backoff()
    {
        await using ErsHost b = await SocketIoClientInteropTests.StartErsAsync();
        await using ErsClient client = new(Options(LoopbackPort.Closed(), b.Port));
        ErsClientProbe probe = new(client);

        client.Start();
        await probe.WaitStatusAsync(ErsClientStatus.Disconnected);
        Stopwatch elapsed = Stopwatch.StartNew();
        // The next address comes after the first retry's delay, not a backoff (at most 250 ms, as announced).
        string retry = (await probe.WaitStatusAsync(ErsClientStatus.Reconnecting)).Description;
        Assert.InRange(int.Parse(retry["retrying in ".Length..^" ms".Length], CultureInfo.InvariantCulture), 0, 250);
        Assert.Equal($"connecting to 127.0.0.1:{b.Port} (2 of 2)", (await probe.WaitStatusAsync(ErsClientStatus.Connecting, Left(elapsed, 1))).Description);
        long dialled = elapsed.ElapsedMilliseconds;
        // The join itself (handshake, websocket, join ack) may pay the process's first websocket connect.
        await probe.WaitStatusAsync(ErsClientStatus.Joined, Left(elapsed, 2));
        output.WriteLine($"dialled the second address {dialled} ms after the first refused ({retry}); joined at {elapsed.ElapsedMilliseconds} ms");

        Assert.Equal(new ErsAddress("127.0.0.1", b.Port), client.CurrentAddress);
    }

    /// <summary>What is left of <paramref name="seconds"/> since <paramref name="since"/> started (none once past).</summary>
    private static TimeSpan Left(Stopwatch since, int seconds) =>
        TimeSpan.FromSeconds(seconds) > since.Elapsed ? TimeSpan.FromSeconds(seconds) - since.Elapsed : TimeSpan.Zero;

    private static ErsClientOptions Options(int first, int second) =>
        new() { Host = "127.0.0.1", Port = first, MoreAddresses = [new("127.0.0.1", second)], RoomId = "R" };

}
