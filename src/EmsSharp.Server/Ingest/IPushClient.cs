using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One attempt of a push to its target (<see cref="RtmpPushClient"/>, <see cref="RtspPushClient"/>): <see cref="RunAsync"/>
/// returns when the local stream ended and throws <see cref="IOException"/> with the reason when the target refused,
/// closed, stalled or could not be reached.
/// </summary>
internal interface IPushClient
{
    /// <summary>Whether the target accepted the stream in this attempt.</summary>
    bool Published { get; }

    /// <summary>Frames sent, dropped (the target lagged) and skipped (a codec the protocol cannot carry) in this attempt.</summary>
    (long Sent, long Dropped, long Skipped) Frames { get; }

    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>What the push clients do alike with their socket and their attempt.</summary>
internal static class PushSockets
{
    /// <summary>pushStream's tos and ttl; 256 leaves the system's default (EvoStream's "unset").</summary>
    public static void ApplyTosAndTtl(Socket socket, PushStreamConfiguration configuration)
    {
        if (configuration.Tos != PushStreamConfiguration.Unset)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.TypeOfService, configuration.Tos);
        }

        if (configuration.Ttl != PushStreamConfiguration.Unset)
        {
            socket.Ttl = (short)configuration.Ttl;
        }
    }

    /// <summary>
    /// The push as an output (<paramref name="typeTag"/>, connectionType 2 with its pushSettings): listStreams,
    /// outStreamCreated now, outStreamClosed when the attempt ends; shutdownStream on it ends this attempt (keepAlive then
    /// reconnects). Null without an output registry.
    /// </summary>
    public static OutboundStream? Register(
        PushStreamServices services, LiveStream stream, PushStreamConfiguration configuration, string typeTag, string protocol, Socket socket,
        ViewerTrafficCounters counters, CancellationTokenSource stop, Connection connection)
    {
        if (services.Outputs is not { } outputs)
        {
            return null;
        }

        var local = socket.LocalEndPoint as IPEndPoint;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        var output = outputs.Open(new OutboundStreamSpec(stream, typeTag, OperationType.Push, counters,
            () => (local, remote),
            () => new JsonObject { ["protocol"] = protocol, ["pushSettings"] = configuration.ToJson() },
            () => CancelQuietly(stop)));
        connection.AttachStream(output.Id);
        return output;
    }

    /// <summary>Ends the attempt from outside (shutdownStream on its output), also once it is over.</summary>
    public static void CancelQuietly(CancellationTokenSource stop)
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the attempt is over already
        }
    }
}
