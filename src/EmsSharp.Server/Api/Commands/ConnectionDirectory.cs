using System.Text.Json.Nodes;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery.Fmp4;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// The connections the API shows (<see cref="ConnectionRegistry"/>), each as EvoStream's <c>listConnections</c> entry
/// (shared/EVOSTREAM-API.md §4): the parts of <c>protocolStackInfo</c>, <c>carrier</c> and <c>stack</c>, plus the settings
/// of the command that made it (<c>pullSettings</c>). <c>shutdownStream</c> answers a stream's connection in the same shape.
/// </summary>
internal sealed class ConnectionDirectory(ConnectionRegistry connections, StreamDirectory streams, TimeProvider time)
{
    /// <summary>The open connections in id order; without those that have no network carrier when <paramref name="networkOnly"/>.</summary>
    public IReadOnlyList<Connection> List(bool networkOnly)
    {
        var all = connections.List();
        if (!networkOnly)
        {
            return all;
        }

        var list = new List<Connection>(all.Count);
        foreach (var connection in all)
        {
            if (connection.IsNetwork)
            {
                list.Add(connection);
            }
        }

        return list;
    }

    public int Count => connections.Count;

    /// <summary>
    /// EvoStream's HTTP streaming sessions (<c>httpClientsConnected</c>): here the WS-FMP4 connections (ws and wss) that carry
    /// a live output, so a connection still waiting for its stream, refused, or closing after its viewer left is none.
    /// </summary>
    public int CountHttpStreamingSessions()
    {
        var count = 0;
        foreach (var connection in connections.List())
        {
            var stack = connection.Stack;
            if (stack.Count > 0 && stack[^1] == WsFmp4Endpoint.ProtocolTag && CarriesLiveStream(connection))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The connection of id <c>id</c>; the FAIL reply, naming the id, when there is none.</summary>
    public bool TryFind(CommandArguments arguments, out Connection connection, out ApiReply failure)
    {
        var id = arguments.GetInt64("id")!.Value;
        if (connections.TryGet(id, out var found))
        {
            connection = found;
            failure = null!;
            return true;
        }

        connection = null!;
        failure = ApiReply.Fail($"No connection has id {id}; see listConnectionsIds");
        return false;
    }

    /// <summary>A connection's entry: <c>carrier</c>, <c>stack</c> and, when a command made it, its settings (<c>pullSettings</c>).</summary>
    public JsonObject ToJson(Connection connection)
    {
        var info = StackInfo(connection);
        if (connection.CreateSettings() is { } settings)
        {
            info[settings.Name] = settings.Value;
        }

        return EvoStreamJson.Sorted(info);
    }

    /// <summary>
    /// EvoStream's <c>protocolStackInfo</c> of the connection that carries stream <paramref name="streamId"/>
    /// (<c>{carrier, stack}</c>), or null when no connection carries it (a file source).
    /// </summary>
    public JsonObject? StackInfoOfStream(long streamId) =>
        connections.FindByStream(streamId) is { } connection ? StackInfo(connection) : null;

    // RMS BaseProtocol::GetStackStats: the carrier (null without one), then each layer from the carrier up. The layers of one
    // connection share its id and times; the top one lists the streams it carries.
    private JsonObject StackInfo(Connection connection)
    {
        var created = (connection.CreatedAt - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var queried = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var layers = connection.Stack;
        var stack = new JsonArray();
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = new JsonObject
            {
                ["applicationId"] = i == 0 && connection.IsNetwork ? 0 : 1, // the carrier's own layer belongs to no application
                ["creationTimestamp"] = created,
                ["id"] = connection.Id,
                ["isEnqueueForDelete"] = false,
                ["queryTimestamp"] = queried,
                ["type"] = layers[i],
            };
            if (i == layers.Count - 1 && connection.CarriesStreams)
            {
                layer["streams"] = Streams(connection);
            }

            stack.Add(layer);
        }

        return new JsonObject { ["carrier"] = Carrier(connection), ["stack"] = stack };
    }

    private static JsonObject? Carrier(Connection connection)
    {
        var carrier = connection.Carrier;
        if (carrier == ConnectionCarrier.None)
        {
            return null;
        }

        var (near, far) = connection.Addresses;
        var (received, sent) = connection.Traffic;
        return new JsonObject
        {
            ["farIP"] = StreamInfoJson.Ip(far),
            ["farPort"] = far?.Port ?? 0,
            ["id"] = connection.Id,
            ["nearIP"] = StreamInfoJson.Ip(near),
            ["nearPort"] = near?.Port ?? 0,
            ["rx"] = received,
            ["tx"] = sent,
            ["type"] = carrier == ConnectionCarrier.Udp ? "IOHT_UDP_CARRIER" : "IOHT_TCP_CARRIER",
        };
    }

    private bool CarriesLiveStream(Connection connection)
    {
        foreach (var id in connection.GetStreamIds())
        {
            if (streams.TryGet(id, out _))
            {
                return true;
            }
        }

        return false;
    }

    // The stream objects of the streams it carries that are still live.
    private JsonArray Streams(Connection connection)
    {
        var list = new JsonArray();
        foreach (var id in connection.GetStreamIds())
        {
            if (streams.TryGet(id, out var stream))
            {
                list.Add(streams.ToJson(stream));
            }
        }

        return list;
    }
}
