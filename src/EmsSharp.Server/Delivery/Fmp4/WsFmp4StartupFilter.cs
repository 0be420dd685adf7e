namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// Puts the WS-FMP4 branch at the front of the ems pipeline: requests that arrive on the WS-FMP4 listener
/// go to <see cref="WsFmp4Endpoint"/> (never to the HTTP API), all others pass on.
/// </summary>
internal sealed class WsFmp4StartupFilter(WsFmp4Endpoint endpoint) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(endpoint.IsWsFmp4Request, branch =>
        {
            branch.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
            branch.Run(endpoint.HandleAsync);
        });
        next(app);
    };
}
