using System.Text.Json.Nodes;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>getExtendedConnectionCounters</c> in EvoStream's shape (its 2.0 page; RMS <c>FdStats::ToVariant</c>):
/// <c>{origin: {grandTotal, managedNonTcpUdp, managedTcp, managedTcpAcceptors, managedTcpConnectors, managedUdp, rawUdp},
/// total}</c>, each kind <c>{current, inBytes, max, outBytes, total}</c> and <c>total</c> the connections open now. The kinds
/// are the connections' carriers (<see cref="ConnectionRegistry.ReadCounters"/>); EmsSharp counts connections, not listening
/// sockets, connects in progress or raw UDP sockets, so <c>managedTcpAcceptors</c>, <c>managedTcpConnectors</c> and
/// <c>rawUdp</c> are always 0. EvoStream's <c>inSpeed</c>/<c>outSpeed</c> are not given.
/// </summary>
internal sealed class GetExtendedConnectionCountersCommand(ConnectionRegistry connections) : IApiCommand
{
    public string Name => "getExtendedConnectionCounters";

    public bool ChangesState => false;

    public string Description =>
        "Shows the connections per carrier (managedTcp, managedUdp, managedNonTcpUdp) and in all (grandTotal): "
        + "{current, max, total, inBytes, outBytes}";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var counters = connections.ReadCounters();
        var none = new ConnectionCount(0, 0, 0, 0, 0);
        var origin = new JsonObject
        {
            ["grandTotal"] = ToJson(counters.All),
            ["managedNonTcpUdp"] = ToJson(counters.NonNetwork),
            ["managedTcp"] = ToJson(counters.Tcp),
            ["managedTcpAcceptors"] = ToJson(none),
            ["managedTcpConnectors"] = ToJson(none),
            ["managedUdp"] = ToJson(counters.Udp),
            ["rawUdp"] = ToJson(none),
        };
        return ValueTask.FromResult(ApiReply.Ok("Connection counters", new JsonObject
        {
            ["origin"] = origin,
            ["total"] = counters.All.Current,
        }));
    }

    private static JsonObject ToJson(ConnectionCount count) => new()
    {
        ["current"] = count.Current,
        ["inBytes"] = count.ReceivedBytes,
        ["max"] = count.Max,
        ["outBytes"] = count.SentBytes,
        ["total"] = count.Total,
    };
}
