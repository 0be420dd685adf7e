using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>Adds the WS-FMP4 listener to the ems Kestrel server, next to the HTTP API endpoint.</summary>
internal sealed class WsFmp4KestrelSetup(IOptions<WsFmp4Options> options, WsFmp4Endpoint endpoint)
    : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var o = options.Value;
        if (o.Enabled)
        {
            kestrel.Listen(IPAddress.Parse(o.BindAddress), o.Port, endpoint.Attach);
        }
    }
}
