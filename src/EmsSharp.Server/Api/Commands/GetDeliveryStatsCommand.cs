using System.Globalization;
using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>getDeliveryStats [reset=1]</c> <b>(ours)</b>: server-added latency per transport, from a frame's arrival in
/// the hub to its last packet leaving for a viewer (srtp) or its fragment being handed to the viewer's channel
/// (fmp4), in microseconds. <c>reset=1</c> answers the figures so far and starts counting afresh. Also each stream's
/// delivery sources (<paramref name="streams"/>: viewers, units, drops per transport), and the WebRTC port's session
/// workers (sessions, inputs, queue) and sends (datagrams per system call) once a viewer bound it
/// (<paramref name="boundPort"/>).
/// </summary>
internal sealed class GetDeliveryStatsCommand(DeliveryStats stats, DeliveryMetrics streams, Func<UdpPortDriver?> boundPort) : IApiCommand
{
    public string Name => "getDeliveryStats";

    public bool ChangesState => false;

    public string Description => "Shows server-added delivery latency per transport (µs percentiles); reset=1 starts afresh";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("reset", ParameterKind.Boolean, false, "false", "clear the histograms after answering"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var data = new JsonObject
        {
            ["srtp"] = ToJson(stats.Srtp),
            ["fmp4"] = ToJson(stats.Fmp4),
            ["since"] = stats.Since.ToString("O", CultureInfo.InvariantCulture),
            ["streams"] = StreamsToJson(streams),
        };
        if (boundPort() is { } driver)
        {
            var workers = new JsonArray();
            foreach (var w in driver.WorkerStats)
            {
                workers.Add(new JsonObject
                {
                    ["index"] = w.Index,
                    ["sessions"] = w.Sessions,
                    ["inputs"] = w.Inputs,
                    ["turns"] = w.Turns,
                    ["sessionWakeups"] = w.SessionWakeups,
                    ["queued"] = w.Queued,
                });
            }

            var sends = driver.SendStats;
            data["workers"] = workers;
            data["udpUnrouted"] = driver.UnroutedDatagrams;
            data["udpSends"] = new JsonObject
            {
                ["path"] = sends.Path,
                ["datagrams"] = sends.Datagrams,
                ["systemCalls"] = sends.SystemCalls,
                ["datagramsPerCall"] = sends.SystemCalls == 0 ? 0 : Math.Round((double)sends.Datagrams / sends.SystemCalls, 2),
            };
        }

        if (arguments.GetBoolean("reset") == true)
            stats.Reset();
        return ValueTask.FromResult(ApiReply.Ok("Delivery latency", data));
    }

    private static JsonArray StreamsToJson(DeliveryMetrics streams)
    {
        var array = new JsonArray();
        foreach (var (transport, s) in streams.Streams())
        {
            array.Add(new JsonObject
            {
                ["name"] = s.Stream,
                ["transport"] = transport,
                ["viewers"] = s.Viewers,
                ["units"] = s.Units,
                ["viewerDrops"] = s.ViewerDrops,
                ["sourceDrops"] = s.SourceDrops,
            });
        }

        return array;
    }

    private static JsonObject ToJson(DeliveryLatencyHistogram histogram) => new()
    {
        ["count"] = histogram.Count,
        ["p50Us"] = histogram.Percentile(0.50),
        ["p90Us"] = histogram.Percentile(0.90),
        ["p99Us"] = histogram.Percentile(0.99),
        ["p999Us"] = histogram.Percentile(0.999),
        ["maxUs"] = histogram.MaxMicroseconds,
    };
}
