using EmsSharp.Server.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Metrics;

/// <summary>
/// Adds the metrics listener to the ems Kestrel server when it is on (<c>Metrics:Enabled</c>), with its connection
/// caps, and puts its branch at the front of the pipeline: on that listener <c>GET /metrics</c> is the Prometheus text and
/// everything else a 404 (the API's commands are never served there).
/// </summary>
internal sealed class MetricsSetup(IOptions<EmsOptions> options, MetricsEndpoint endpoint, TimeProvider time, ILogger<MetricsSetup> logger)
    : IConfigureOptions<KestrelServerOptions>, IStartupFilter
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var o = options.Value.Metrics;
        if (!o.Enabled)
        {
            return;
        }

        kestrel.Listen(o.ToEndPoint(), listen =>
        {
            endpoint.Attach(listen);
            listen.UseConnectionCap("metrics", o.MaxConnections, o.MaxConnections, time, logger);
        });
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (endpoint.Enabled)
        {
            app.MapWhen(context => endpoint.IsListenerPort(context.Connection.LocalPort), branch =>
            {
                branch.UseOpenTelemetryPrometheusScrapingEndpoint(endpoint.Provider,
                    context => context.Request.Path == "/metrics", path: null, configureBranchedPipeline: null, optionsName: null);
                branch.Run(context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                });
            });
        }

        next(app);
    };
}
