using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Server.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Events;

public sealed class EventDispatcherTests
{
    /// <summary>A Kestrel sink on an ephemeral loopback port that records every POST body (JSON parsed; XML as text).</summary>
    internal sealed class Sink : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Sink(WebApplication app) => _app = app;

        public ConcurrentQueue<JsonElement> Received { get; } = new();

        /// <summary>The XML bodies (application/xml), as text.</summary>
        public ConcurrentQueue<string> ReceivedXml { get; } = new();

        /// <summary>Notified after each POST is recorded.</summary>
        public ChangeSignal Changed { get; } = new();

        public Uri Url { get; private init; } = null!;

        public static async Task<Sink> StartAsync(string contentType = "application/json")
        {
            Sink? sink = null;
            var (app, baseAddress) = await LoopbackWebApp.StartAsync(app => app.MapPost("/events", async (HttpContext context) =>
            {
                Assert.Equal(contentType, context.Request.ContentType);
                if (contentType == "application/json")
                {
                    using var document = await JsonDocument.ParseAsync(context.Request.Body);
                    sink!.Received.Enqueue(document.RootElement.Clone());
                }
                else
                {
                    using var reader = new StreamReader(context.Request.Body);
                    sink!.ReceivedXml.Enqueue(await reader.ReadToEndAsync());
                }

                sink.Changed.Notify();
            }));
            sink = new Sink(app) { Url = new Uri(baseAddress + "/events") };
            return sink;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private static EventDispatcher NewDispatcher(TimeSpan timeout, int capacity, params Uri[] sinks)
    {
        var options = new EmsOptions();
        options.Events.RequestTimeout = timeout;
        options.Events.QueueCapacity = capacity;
        foreach (var sink in sinks)
            options.Events.Sinks.Add(sink.ToString());
        return new EventDispatcher(Options.Create(options), TimeProvider.System, NullLogger<EventDispatcher>.Instance);
    }

    [Fact]
    public async Task Posts_type_and_payload_to_a_sink()
    {
        await using var sink = await Sink.StartAsync();
        using var dispatcher = NewDispatcher(TimeSpan.FromSeconds(5), 16, sink.Url);
        await dispatcher.StartAsync(CancellationToken.None);
        dispatcher.Publish(EventTypes.WebRtcServiceStarted, new JsonObject { ["configId"] = 3, ["ersIp"] = "1.2.3.4", ["ersPort"] = 4545, ["roomId"] = "r" });
        await sink.Changed.WaitUntilAsync(() => !sink.Received.IsEmpty, "the sink received nothing");
        var received = sink.Received.First();
        Assert.Equal("webRtcServiceStarted", received.GetProperty("type").GetString());
        var payload = received.GetProperty("payload");
        Assert.Equal(3, payload.GetProperty("configId").GetInt32());
        Assert.Equal("1.2.3.4", payload.GetProperty("ersIp").GetString());
        Assert.Equal(4545, payload.GetProperty("ersPort").GetInt32());
        Assert.Equal("r", payload.GetProperty("roomId").GetString());
        // The dispatcher counts a delivery after reading the answer, with no event to wait on: poll with a deadline.
        var counted = Stopwatch.StartNew();
        while (dispatcher.Sinks[0].Delivered != 1)
        {
            Assert.True(counted.Elapsed < TimeSpan.FromSeconds(10), "the delivery was not counted");
            await Task.Delay(10);
        }

        await dispatcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_dead_sink_never_blocks_publishers_nor_other_sinks()
    {
        // A listener that accepts connections and never answers: every POST hangs until its timeout.
        using var dead = new TcpListener(IPAddress.Loopback, 0);
        dead.Start();
        var deadUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)dead.LocalEndpoint).Port}/events");
        await using var live = await Sink.StartAsync();
        using var dispatcher = NewDispatcher(TimeSpan.FromMilliseconds(200), 8, deadUrl, live.Url);
        await dispatcher.StartAsync(CancellationToken.None);

        var publishing = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
            dispatcher.Publish(EventTypes.WebRtcServiceStopped, new JsonObject { ["configId"] = i });
        publishing.Stop();
        Assert.True(publishing.Elapsed < TimeSpan.FromSeconds(2), $"publishing took {publishing.Elapsed}");

        Assert.True(dispatcher.Sinks[0].Dropped >= 1000 - 8 - 1);
        await live.Changed.WaitUntilAsync(() => !live.Received.IsEmpty, "the live sink received nothing");

        var stopping = Stopwatch.StartNew();
        await dispatcher.StopAsync(CancellationToken.None);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(2), $"stop took {stopping.Elapsed}");
    }

    [Fact]
    public async Task The_body_is_EvoStreams_envelope_with_PID_and_customData_in_the_payload()
    {
        await using var sink = await Sink.StartAsync();
        var options = new EmsOptions();
        options.Events.Sinks.Add(sink.Url.ToString());
        options.Events.CustomData = "proxy"; // EvoStream's stats tools filter on payload.customData == 'proxy'
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        using var dispatcher = new EventDispatcher(Options.Create(options), time, NullLogger<EventDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject { ["name"] = "cam", ["audio"] = new JsonObject() });
        dispatcher.Publish(EventTypes.InStreamClosed, new JsonObject { ["name"] = "cam" });
        await sink.Changed.WaitUntilAsync(() => sink.Received.Count >= 2, "the sink did not get both events");

        var first = sink.Received.First();
        // shared/EVOSTREAM-API.md §5.1: {id, payload, processId, timestamp (unix s), type}, members in byte order (§0).
        Assert.Equal(["id", "payload", "processId", "timestamp", "type"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal([1L, 2L], sink.Received.Select(e => e.GetProperty("id").GetInt64()));
        Assert.Equal(Environment.ProcessId, first.GetProperty("processId").GetInt32());
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), first.GetProperty("timestamp").GetInt64());
        var payload = first.GetProperty("payload");
        Assert.Equal(["PID", "audio", "customData", "name"], payload.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Environment.ProcessId, payload.GetProperty("PID").GetInt32());
        Assert.Equal("proxy", payload.GetProperty("customData").GetString());
        await dispatcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Each_sink_gets_its_enabled_events_with_its_own_customData()
    {
        await using var all = await Sink.StartAsync();
        await using var stats = await Sink.StartAsync();
        var options = new EmsOptions();
        options.Events.CustomData = "global";
        options.Events.Sinks.Add(all.Url.ToString());
        var filtered = new EventSinkOptions { Url = stats.Url.ToString(), CustomData = "proxy" };
        filtered.EnabledEvents.Add("OUTSTREAMCLOSED"); // names match without regard to case
        options.Events.Sinks.Add(filtered);
        using var dispatcher = new EventDispatcher(Options.Create(options), TimeProvider.System, NullLogger<EventDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        dispatcher.Publish(EventTypes.InStreamCreated, new JsonObject { ["name"] = "cam" });
        dispatcher.Publish(EventTypes.OutStreamClosed, new JsonObject { ["name"] = "cam" });
        await all.Changed.WaitUntilAsync(() => all.Received.Count >= 2, "the unfiltered sink did not get both events");
        await stats.Changed.WaitUntilAsync(() => !stats.Received.IsEmpty, "the filtered sink got nothing");
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(["inStreamCreated", "outStreamClosed"], all.Received.Select(e => e.GetProperty("type").GetString()));
        Assert.All(all.Received, e => Assert.Equal("global", e.GetProperty("payload").GetProperty("customData").GetString()));
        var only = Assert.Single(stats.Received);
        Assert.Equal("outStreamClosed", only.GetProperty("type").GetString());
        Assert.Equal("proxy", only.GetProperty("payload").GetProperty("customData").GetString());
        // One event, one id, whichever sinks take it.
        Assert.Equal(all.Received.Last().GetProperty("id").GetInt64(), only.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task The_server_says_it_started_and_that_it_is_stopping_with_its_version()
    {
        await using var sink = await Sink.StartAsync();
        var ems = await TestEms.StartAsync(configure: o => o.Events.Sinks.Add(sink.Url.ToString()));
        try
        {
            await sink.Changed.WaitUntilAsync(() => !sink.Received.IsEmpty, "no serverStarted");
            var started = sink.Received.First();
            Assert.Equal("serverStarted", started.GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.String, started.GetProperty("payload").GetProperty("releaseNumber").ValueKind);
            Assert.Equal(JsonValueKind.Null, started.GetProperty("payload").GetProperty("customData").ValueKind);

            // Sent as the stop begins, and delivered before the dispatcher stops.
            await ems.DisposeAsync();
            Assert.Equal("serverStopping", sink.Received.Last().GetProperty("type").GetString());
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }

    [Fact]
    public async Task Server_emits_started_and_stopped_events()
    {
        await using var sink = await Sink.StartAsync();
        await using var ems = await TestEms.StartAsync(configure: o => o.Events.Sinks.Add(sink.Url.ToString()));
        try
        {
            Assert.Equal("SUCCESS", (await ems.HttpAsync("startWebrtc?ersip=e&ersport=5&roomid=ev")).Status());
            Assert.Equal("SUCCESS", (await ems.HttpAsync("stopWebrtc?roomid=ev")).Status());
            // The commands' own cliRequest/cliResponse come in between (CliEventTests).
            List<JsonElement> Service() => [.. sink.Received.Where(e => !e.GetProperty("type").GetString()!.StartsWith("cli", StringComparison.Ordinal))];
            await sink.Changed.WaitUntilAsync(() => Service().Count >= 3, "the sink did not get the three events");
            Assert.Equal(["serverStarted", "webRtcServiceStarted", "webRtcServiceStopped"], Service().Select(e => e.GetProperty("type").GetString()));
            Assert.Equal("ev", Service()[^1].GetProperty("payload").GetProperty("roomId").GetString());
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }
}
