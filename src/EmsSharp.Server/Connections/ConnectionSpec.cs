using System.Net;
using System.Text.Json.Nodes;

namespace EmsSharp.Server.Connections;

/// <summary>What a connection tells <see cref="ConnectionRegistry.Open"/> about itself.</summary>
/// <param name="Carrier">What carries it (<see cref="ConnectionCarrier.None"/>: nothing, an internal source).</param>
/// <param name="Stack">Its protocol layers from the carrier up, in EvoStream's tags, read when listed.</param>
/// <param name="Addresses">Our end and the far end, read when listed.</param>
/// <param name="CarriesStreams">Whether its top layer lists the streams it carries (media connections).</param>
internal sealed record ConnectionSpec(
    ConnectionCarrier Carrier,
    Func<IReadOnlyList<string>> Stack,
    Func<(IPEndPoint? Near, IPEndPoint? Far)> Addresses,
    bool CarriesStreams)
{
    /// <summary>A socket's connection: its addresses now, the layers fixed.</summary>
    public static ConnectionSpec ForSocket(ConnectionCarrier carrier, IPEndPoint? near, IPEndPoint? far, bool carriesStreams, params string[] stack) =>
        new(carrier, () => stack, () => (near, far), carriesStreams);

    /// <summary>The carrier now, when it changes during the connection (a WebRTC session's selected path); null: <see cref="Carrier"/>.</summary>
    public Func<ConnectionCarrier>? CurrentCarrier { get; init; }

    /// <summary>Bytes received and sent, when the owner counts them itself; null: the connection's own counters.</summary>
    public Func<(long Received, long Sent)>? Traffic { get; init; }

    /// <summary>The settings of the API command that made it (<c>pullSettings</c>, a new object each call).</summary>
    public (string Name, Func<JsonObject> Create)? Settings { get; init; }
}
