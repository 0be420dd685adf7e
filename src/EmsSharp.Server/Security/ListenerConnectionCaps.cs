using System.Net;
using EmsSharp.Protocols.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EmsSharp.Server.Security;

/// <summary>The per-address and total connection caps of the ems Kestrel listeners (HTTP API, WS-FMP4).</summary>
internal static partial class ListenerConnectionCaps
{
    /// <summary>
    /// Adds a <see cref="ConnectionCap"/> as <paramref name="listen"/>'s first connection middleware: a connection over
    /// a cap is aborted before Kestrel reads a byte of it, with a log line at most every 10 s.
    /// </summary>
    public static void UseConnectionCap(
        this ListenOptions listen, string listener, int maxPerAddress, int maxConnections, TimeProvider time, ILogger logger)
    {
        var cap = new ConnectionCap(
            maxPerAddress, maxConnections, time, (address, reached, refused) => LogRefused(logger, listener, address, reached, refused));
        listen.Use(next => connection => cap.RunAsync(connection.RemoteEndPoint, () => next(connection), connection.Abort));
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Listener}: closed a connection from {Address}: {Cap} already ({Refused} refused since the last such line)")]
    private static partial void LogRefused(ILogger logger, string listener, IPAddress address, string cap, long refused);
}
