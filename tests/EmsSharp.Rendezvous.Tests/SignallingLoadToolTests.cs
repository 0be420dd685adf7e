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

        SignallingResult result = await new SignallingLoad(options, [ers.LoopbackUri], null)
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

        SignallingResult result = await new SignallingLoad(options, [ers.LoopbackUri], null).RunAsync(TextWriter.Null, timeout.Token);

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
    [InlineData("--spawn --nodes 0")]
    [InlineData("--spawn --nodes 5")]
    [InlineData("--ers 127.0.0.1:4545 --nodes 2")]
    [InlineData("--ers 127.0.0.1:4545 --redis")]
    [InlineData("--spawn --redis --redis-config 127.0.0.1:6379")]
    [InlineData("--spawn --redis-config 10.0.0.5:6379")]
    [InlineData("--spawn --redis-config 127.0.0.1")]
    public void OutOfBoundsOptions_AreRefused(string args)
    {
        Assert.False(SignallingOptions.TryParse(args.Split(' '), out _, out string? error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("--spawn", 1, false, null)]
    [InlineData("--spawn --redis", 1, true, null)]
    [InlineData("--spawn --nodes 2", 2, true, null)]
    [InlineData("--spawn --nodes 4 --redis-config localhost:6380", 4, false, "127.0.0.1:6380")]
    public void ClusterOptions_NodesAndRedis(string args, int nodes, bool startRedis, string? redis)
    {
        Assert.True(SignallingOptions.TryParse(args.Split(' '), out SignallingOptions options, out string? error), error);
        Assert.Equal(nodes, options.Nodes);
        Assert.Equal(startRedis, options.StartRedis);
        Assert.Equal(redis, options.RedisTarget?.Authority);
        Assert.Equal(startRedis || redis is not null, options.UsesRedis);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void NodeOf_PutsEveryBrowserOffItsEmsNode_AndSpreadsTheSockets(int nodes)
    {
        const int Rooms = 100, Clients = 10_000;
        int[] perNode = new int[nodes];
        for (int i = 0; i < Clients; i++)
        {
            int node = SignallingOptions.NodeOf(i, Rooms, nodes);
            perNode[node]++;
            if (i >= Rooms)
            {
                Assert.NotEqual(SignallingOptions.NodeOf(i % Rooms, Rooms, nodes), node);
            }
        }

        Assert.All(perNode, count => Assert.InRange(count, (Clients / nodes) - Rooms, (Clients / nodes) + Rooms));
    }

    [Fact]
    public void NodeOf_OneNode_IsAlwaysNodeZero()
    {
        Assert.All(Enumerable.Range(0, 500), i => Assert.Equal(0, SignallingOptions.NodeOf(i, 7, 1)));
    }

    [Fact]
    public void RedisSample_ReadsCommandsCpuAndCommandStats_AndLeavesOutItsOwnInfo()
    {
        RedisSample before = RedisSample.Parse(
            "# Stats\r\ntotal_commands_processed:100\r\n# CPU\r\nused_cpu_sys:1.50\r\nused_cpu_user:2.25\r\n"
            + "# Commandstats\r\ncmdstat_info:calls=1,usec=5,usec_per_call=5.00\r\ncmdstat_evalsha:calls=40,usec=9\r\n");
        RedisSample after = RedisSample.Parse(
            "total_commands_processed:301\r\nused_cpu_sys:2.00\r\nused_cpu_user:3.00\r\n"
            + "cmdstat_info:calls=2,usec=9\r\ncmdstat_evalsha:calls=240,usec=99\r\ncmdstat_publish:calls=40,usec=3\r\n");

        Assert.Equal(3.75, before.CpuSeconds, 3);
        Assert.Equal(2.0, after.CommandsPer(before, 100));
        IReadOnlyDictionary<string, double> calls = after.CallsPer(before, 100);
        Assert.Equal(new[] { "evalsha", "publish" }, calls.Keys);
        Assert.Equal(2.0, calls["evalsha"]);
        Assert.Equal(0.4, calls["publish"]);
    }
}
