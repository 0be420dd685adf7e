using EmsSharp.Server.Connections;
using EmsSharp.Server.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api;

/// <summary>Binds Kestrel to the HTTP API endpoint of <see cref="ApiOptions"/> only, with its connection caps.</summary>
internal sealed class KestrelSetup(IOptions<EmsOptions> options, TimeProvider time, ILogger<KestrelSetup> logger, ConnectionRegistry connections)
    : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        var http = options.Value.Api.Http;
        if (http.Enabled)
        {
            kestrel.Listen(http.ToEndPoint(), listen =>
            {
                listen.UseConnectionCap("HTTP API", http.MaxConnectionsPerAddress, http.MaxConnections, time, logger);
                listen.UseConnectionList(connections, false, "TCP", "IHTT", "IJSONCLI");
            });
        }
    }
}
