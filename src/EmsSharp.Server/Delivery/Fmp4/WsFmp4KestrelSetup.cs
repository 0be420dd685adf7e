using System.Net;
using EmsSharp.Server.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>Adds the WS-FMP4 listener to the ems Kestrel server, next to the HTTP API endpoint, with its per-address connection cap.</summary>
internal sealed class WsFmp4KestrelSetup(IOptions<WsFmp4Options> options, WsFmp4Endpoint endpoint, TimeProvider time, ILogger<WsFmp4KestrelSetup> logger)
    : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var o = options.Value;
        if (o.Enabled)
        {
            kestrel.Listen(IPAddress.Parse(o.BindAddress), o.Port, listen =>
            {
                endpoint.Attach(listen);
                listen.UseConnectionCap("WS-FMP4", o.ConnectionsPerAddress, int.MaxValue, time, logger);
            });
        }
    }
}
