using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api;

/// <summary>Binds Kestrel to the HTTP API endpoint of <see cref="ApiOptions"/> only.</summary>
internal sealed class KestrelSetup(IOptions<EmsOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        var http = options.Value.Api.Http;
        if (http.Enabled)
            kestrel.Listen(http.ToEndPoint());
    }
}
