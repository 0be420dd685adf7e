using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EmsSharp.Rendezvous;

/// <summary>
/// The ERS's instruments (meter <see cref="MeterName"/>), read from its state at each scrape: sockets, rooms and their
/// members, relayed messages, TURN allocations and relayed bytes; and the provider that exports them with the .NET
/// runtime's and the process's in Prometheus text. Made only when <c>metrics.enabled</c>. Meters are taken by name, so
/// a process hosting several ERS (tests do) reports them together; a deployment runs one per process.
/// </summary>
internal sealed class ErsMetrics : IDisposable
{
    public const string MeterName = "EmsSharp.Rendezvous";

    private readonly Meter _meter = new(MeterName);

    public ErsMetrics(ErsState state)
    {
        _meter.CreateObservableGauge("ers.sockets", () => state.Sessions.OpenCount, description: "socket.io sockets open");
        _meter.CreateObservableGauge("ers.socket_handshakes", () => state.Sessions.PendingCount,
            description: "socket.io handshakes waiting for their socket");
        _meter.CreateObservableGauge("ers.rooms", () => state.Rooms.Counts().Rooms, description: "rooms with at least one member");
        _meter.CreateObservableGauge("ers.room.browsers", () => state.Rooms.Counts().Browsers, description: "browsers in rooms");
        _meter.CreateObservableGauge("ers.room.ems", () => state.Rooms.Counts().Emss, description: "rooms whose EMS is connected");
        _meter.CreateObservableCounter("ers.messages.relayed", () => state.Rooms.RelayedMessages,
            description: "messages relayed to a peer of the sender's room");
        _meter.CreateObservableGauge("ers.turn.allocations", () => state.Turn?.AllocationCount ?? 0, description: "TURN allocations");
        _meter.CreateObservableCounter("ers.turn.relayed_bytes", () => state.Turn?.RelayedBytes ?? 0, unit: "By",
            description: "bytes relayed between TURN clients and their peers, both ways");
        Provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(MeterName)
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
            .Build();
    }

    /// <summary>The exporting provider.</summary>
    public MeterProvider Provider { get; }

    public void Dispose()
    {
        Provider.Dispose();
        _meter.Dispose();
    }
}
