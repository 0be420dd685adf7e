using System.Diagnostics.Metrics;
using System.Net;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Server.Api;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.Rtp;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Api;

public sealed class GetDeliveryStatsCommandTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly DeliveryStats _stats;
    private readonly CommandRegistry _registry;
    private readonly StreamHub _hub = new();
    private readonly RtpSourceManager _rtp;
    private readonly Fmp4SourceManager _fmp4;
    private readonly DeliveryMetrics _metrics;
    private UdpPortDriver? _port;

    public GetDeliveryStatsCommandTests()
    {
        _stats = new DeliveryStats(_time);
        _rtp = new RtpSourceManager(_stats, NullLogger<RtpStreamSource>.Instance);
        _fmp4 = new Fmp4SourceManager(_hub, Options.Create(new Fmp4SourceOptions()), _stats, NullLogger<Fmp4StreamSource>.Instance);
        _metrics = new DeliveryMetrics(_rtp, _fmp4, _hub, new OutboundStreamRegistry(_hub, new RecordingPublisher(), _time));
        _registry = new CommandRegistry([new GetDeliveryStatsCommand(_stats, _metrics, () => _port)], NullLogger<CommandRegistry>.Instance);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _rtp.Dispose();
        _fmp4.Dispose();
    }

    [Fact]
    public async Task Each_streams_sources_are_shown_and_measured()
    {
        Assert.Empty((await RunAsync("getDeliveryStats")).Data!["streams"]!.AsArray());
        Assert.True(_hub.TryPublish("cam", out var stream));
        using var first = _rtp.TrySubscribe(stream);
        using var second = _rtp.TrySubscribe(stream);
        using var third = _fmp4.TrySubscribe(stream);

        var streams = (await RunAsync("getDeliveryStats")).Data!["streams"]!.AsArray();
        Assert.Equal(2, streams.Count);
        var srtp = Assert.Single(streams, s => (string)s!["transport"]! == "srtp")!;
        Assert.Equal("cam", (string)srtp["name"]!);
        Assert.Equal(2, (int)srtp["viewers"]!);
        Assert.Equal(0, (long)srtp["viewerDrops"]!);
        Assert.Equal(1, (int)Assert.Single(streams, s => (string)s!["transport"]! == "fmp4")!["viewers"]!);

        var viewers = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "ems.delivery.stream.viewers")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            // The meter is process-wide: other tests' streams are measured too; ours is "cam" here.
            if ((string?)tags[0].Value == "cam")
                viewers[(string)tags[1].Value!] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(new Dictionary<string, long> { ["srtp"] = 2, ["fmp4"] = 1 }, viewers);
    }

    [Fact]
    public async Task Reply_has_percentiles_per_transport_and_since()
    {
        for (var v = 1; v <= 1000; v++)
            _stats.Srtp.Record(v);
        _stats.Fmp4.Record(2_000);

        var reply = await RunAsync("getDeliveryStats");

        Assert.True(reply.Success);
        var data = reply.Data!.AsObject();
        var srtp = data["srtp"]!.AsObject();
        Assert.Equal(1000, (long)srtp["count"]!);
        Assert.InRange((long)srtp["p50Us"]!, 475, 525);
        Assert.InRange((long)srtp["p90Us"]!, 855, 945);
        Assert.InRange((long)srtp["p99Us"]!, 940, 1000);
        Assert.InRange((long)srtp["p999Us"]!, 950, 1000);
        Assert.Equal(1000, (long)srtp["maxUs"]!);
        Assert.Equal(1, (long)data["fmp4"]!["count"]!);
        Assert.Equal("2026-11-24T12:00:00.0000000+00:00", (string)data["since"]!);
        Assert.Equal(1000, _stats.Srtp.Count); // no reset asked
    }

    [Theory]
    [InlineData("reset=1")]
    [InlineData("reset=true")]
    public async Task Reset_answers_the_figures_so_far_then_starts_afresh(string argument)
    {
        _stats.Srtp.Record(100);
        _time.Advance(TimeSpan.FromMinutes(1));

        var reply = await RunAsync("getDeliveryStats " + argument);

        Assert.True(reply.Success);
        Assert.Equal(1, (long)reply.Data!["srtp"]!["count"]!);
        Assert.Equal(0, _stats.Srtp.Count);
        Assert.Equal(_time.GetUtcNow(), _stats.Since);
        var after = await RunAsync("getDeliveryStats reset=0");
        Assert.Equal(0, (long)after.Data!["srtp"]!["p99Us"]!);
        Assert.Equal("2026-11-24T12:01:00.0000000+00:00", (string)after.Data!["since"]!);
    }

    [Fact]
    public async Task Workers_and_sends_of_the_bound_port_are_shown()
    {
        // No viewer bound the port yet: nothing to show, and asking does not bind it.
        Assert.Null((await RunAsync("getDeliveryStats")).Data!["workers"]);

        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback, Workers = 3 });
        _port = port;
        await using var session = port.CreateSession(new PeerSessionOptions { Certificate = DtlsCertificate.Generate() });
        port.SendBatch(new byte[300], [100, 100, 100], port.LocalEndPoint);

        var reply = await RunAsync("getDeliveryStats");
        Assert.True(reply.Success, reply.Description);
        var data = reply.Data!;
        var workers = data["workers"]!.AsArray();
        Assert.Equal(3, workers.Count);
        Assert.Equal([0, 1, 2], workers.Select(w => (int)w!["index"]!));
        Assert.Equal(1, workers.Sum(w => (int)w!["sessions"]!));
        var sends = data["udpSends"]!;
        Assert.Equal(port.BatchedSendPath, (string)sends["path"]!);
        Assert.Equal(3, (long)sends["datagrams"]!);
        Assert.InRange((long)sends["systemCalls"]!, 1, 3);
    }

    [Fact]
    public async Task Invalid_reset_is_a_fail_and_help_lists_the_command()
    {
        var reply = await RunAsync("getDeliveryStats reset=maybe");

        Assert.False(reply.Success);
        Assert.Contains("reset", reply.Description, StringComparison.Ordinal);
        Assert.True(_registry.TryGet("getdeliverystats", out var command));
        Assert.Equal("reset", Assert.Single(command.Parameters).Name);
    }

    private async Task<ApiReply> RunAsync(string line) =>
        await _registry.ExecuteLineAsync(line, new CommandSession(ApiTransport.Http), CancellationToken.None);
}
