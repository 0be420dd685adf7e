using EmsSharp.Load.Signalling;
using Xunit.Abstractions;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>The core of <c>ems-load signalling</c> against an in-process ERS: a small bounded run.</summary>
public class SignallingLoadToolTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoHundredClients_AllJoin_EveryMessageReturns()
    {
        SignallingOptions options = new()
        {
            Spawn = true,
            Clients = 200,
            Rooms = 4,
            Duration = TimeSpan.FromMilliseconds(500),
            MessagesPerClient = 3,
            Concurrency = 50,
        };

        // The same limits the tool hands a spawned ers: one loopback IP opens every socket.
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Limits.MaxSocketsPerIp = options.Clients + options.Concurrency + 100;
            o.Limits.HandshakeBurst = options.Clients + options.Concurrency + 100;
            o.Limits.HandshakesPerSecondPerIp = 100_000;
        });
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));

        SignallingResult result = await new SignallingLoad(options, ers.LoopbackUri, null)
            .RunAsync(TextWriter.Null, timeout.Token);

        output.WriteLine($"connect {result.ConnectAllSeconds} s, relay p50 {result.RelayLatency?.P50Ms} ms p99 {result.RelayLatency?.P99Ms} ms");
        Assert.Null(result.FirstFailure);
        Assert.Equal(200, result.JoinsOk);
        Assert.Equal(196 * 3, result.MessagesSent);
        Assert.Equal(result.MessagesSent, result.MessagesReturned);
        Assert.Equal(result.MessagesSent, result.RelayLatency!.Samples);
        Assert.Equal(200, result.HandshakeLatency!.Samples);
    }

    [Fact]
    public async Task PerIpSocketLimit_RefusesTheRest_AsCountedFailuresNotAHang()
    {
        // Why the tool writes its own ers config: one IP may hold only MaxSocketsPerIp sockets; past it every
        // handshake gets 503, which the tool retries a bounded number of times, then counts as a failure.
        SignallingOptions options = new() { Spawn = true, Clients = 30, Rooms = 1, MessagesPerClient = 0, Concurrency = 10 };
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Limits.MaxSocketsPerIp = 20);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(60));

        SignallingResult result = await new SignallingLoad(options, ers.LoopbackUri, null).RunAsync(TextWriter.Null, timeout.Token);

        Assert.Equal(20, result.JoinsOk);
        Assert.Equal(10, result.Failures);
        Assert.Contains("503", result.FirstFailure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:4545", true)]
    [InlineData("localhost:4545", true)]
    [InlineData("[::1]:4545", true)]
    [InlineData("10.0.0.1:4545", false)]
    [InlineData("example.com:4545", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.1:0", false)]
    public void OnlyLoopbackTargets_AreAccepted(string target, bool accepted)
    {
        Assert.Equal(accepted, SignallingOptions.TryParseLoopback(target, out _));
    }

    [Theory]
    [InlineData("--spawn --clients 10001")]
    [InlineData("--spawn --duration 121")]
    [InlineData("--spawn --ers 127.0.0.1:4545")]
    [InlineData("--ers 192.168.1.2:4545")]
    [InlineData("--spawn --clients 10 --rooms 6")]
    public void OutOfBoundsOptions_AreRefused(string args)
    {
        Assert.False(SignallingOptions.TryParse(args.Split(' '), out _, out string? error));
        Assert.NotNull(error);
    }
}
