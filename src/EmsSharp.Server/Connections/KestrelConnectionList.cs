using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EmsSharp.Server.Connections;

/// <summary>Lists each connection of a Kestrel listener (HTTP API, WS-FMP4) in the <see cref="ConnectionRegistry"/>.</summary>
internal static class KestrelConnectionList
{
    /// <summary>
    /// Adds a connection middleware that opens the connection's entry (with <paramref name="stack"/>, EvoStream's layer
    /// tags), counts its bytes through the transport, offers the entry as a feature (<c>Features.Get&lt;Connection&gt;()</c>,
    /// so a request can attach its streams) and removes it when the connection ends. Put it after the connection cap (a
    /// refused connection is never listed) and before TLS (the carrier counts what crosses the wire).
    /// </summary>
    public static void UseConnectionList(this ListenOptions listen, ConnectionRegistry registry, bool carriesStreams, params string[] stack)
    {
        listen.Use(next => async context =>
        {
            using var connection = registry.Open(ConnectionSpec.ForSocket(
                ConnectionCarrier.Tcp, context.LocalEndPoint as IPEndPoint, context.RemoteEndPoint as IPEndPoint, carriesStreams, stack));
            context.Features.Set(connection);
            var transport = context.Transport;
            context.Transport = new CountingDuplexPipe(transport, connection);
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                context.Transport = transport;
            }
        });
    }
}
