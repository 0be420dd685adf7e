using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using EmsSharp.Server.Delivery.Ers;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Delivery.Ers;

/// <summary>
/// An <see cref="ErsClient"/> with several ERS addresses (issue 17) dials them round robin; on fake time, each next
/// address comes after the first retry's delay and the backoff grows only once every address failed in a row.
/// </summary>
public sealed partial class ErsClientRotationTests
{
    [Fact]
    public async Task Three_unreachable_addresses_are_dialled_in_turn_and_the_backoff_grows_once_per_round()
    {
        int[] ports = [ClosedPort(), ClosedPort(), ClosedPort()];
        var options = new ErsClientOptions
        {
            Host = "127.0.0.1",
            Port = ports[0],
            MoreAddresses = [new("127.0.0.1", ports[1]), new("127.0.0.1", ports[2])],
            RoomId = "r",
        };

        var attempts = await RunAttemptsAsync(options, 9);

        for (var i = 0; i < attempts.Count; i++)
        {
            var (dialled, delayMs) = attempts[i];
            Assert.Equal($"connecting to 127.0.0.1:{ports[i % 3]} ({(i % 3) + 1} of 3)", dialled);
            // Within a round the next node comes after the first retry's delay (125..250 ms with jitter); a round
            // that failed as a whole waits 250 ms·2^n jittered to 50..100 %, n the failed rounds before it.
            var (low, high) = (i % 3) != 2 ? (125, 250) : (125 << (i / 3), 250 << (i / 3));
            Assert.InRange(delayMs, low, high);
        }
    }

    [Fact]
    public async Task One_address_keeps_the_backoff_of_one_ers()
    {
        var port = ClosedPort();

        var attempts = await RunAttemptsAsync(new ErsClientOptions { Host = "127.0.0.1", Port = port, RoomId = "r" }, 3);

        Assert.All(attempts, a => Assert.Equal($"connecting to 127.0.0.1:{port}", a.Dialled));
        Assert.InRange(attempts[0].DelayMs, 125, 250);
        Assert.InRange(attempts[1].DelayMs, 250, 500);
        Assert.InRange(attempts[2].DelayMs, 500, 1000);
    }

    [Fact]
    public async Task The_instance_id_is_128_random_bits_per_client()
    {
        var options = new ErsClientOptions { Host = "127.0.0.1", Port = 4545, RoomId = "r" };
        await using var first = new ErsClient(options);
        await using var second = new ErsClient(options);

        Assert.Matches("^[0-9a-f]{32}$", first.Instance);
        Assert.NotEqual(first.Instance, second.Instance);
        Assert.Equal(new ErsAddress("127.0.0.1", 4545), first.CurrentAddress);
    }

    /// <summary>
    /// Runs <paramref name="count"/> failing attempts on fake time: for each, the Connecting description and the
    /// announced retry delay; nothing happens before fake time reaches that delay.
    /// </summary>
    private static async Task<List<(string Dialled, int DelayMs)>> RunAttemptsAsync(ErsClientOptions options, int count)
    {
        var time = new FakeTimeProvider();
        var statuses = Channel.CreateUnbounded<ErsStatusChangedEventArgs>();
        await using var client = new ErsClient(options, null, time);
        client.StatusChanged += (_, e) => statuses.Writer.TryWrite(e);
        client.Start();
        var attempts = new List<(string, int)>();
        for (var i = 0; i < count; i++)
        {
            var dialled = (await NextAsync(statuses, ErsClientStatus.Connecting)).Description;
            var waiting = (await NextAsync(statuses, ErsClientStatus.Reconnecting)).Description;
            var delayMs = int.Parse(RetryDelay().Match(waiting).Groups[1].Value, CultureInfo.InvariantCulture);
            attempts.Add((dialled, delayMs));
            Assert.False(statuses.Reader.TryRead(out var early), $"{early?.Status} before the retry delay ran");
            time.Advance(TimeSpan.FromMilliseconds(delayMs + 1));
        }

        return attempts;
    }

    private static async Task<ErsStatusChangedEventArgs> NextAsync(Channel<ErsStatusChangedEventArgs> statuses, ErsClientStatus status)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var e = await statuses.Reader.ReadAsync(timeout.Token);
            if (e.Status == status)
                return e;
        }
    }

    /// <summary>A loopback port nothing listens on: a connect there is refused at once.</summary>
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [GeneratedRegex("^retrying in ([0-9]+) ms$")]
    private static partial Regex RetryDelay();
}
