namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// Puts the WS-FMP4 branch at the front of the ems pipeline: requests that arrive on the WS-FMP4 listener
/// go to <see cref="WsFmp4Endpoint"/> (or, for HLS and DASH files, to their endpoints; never to the HTTP API), all others pass on.
/// </summary>
internal sealed class WsFmp4StartupFilter(WsFmp4Endpoint endpoint) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        // DASH over plain HTTP on the same listener (Delivery/Dash/DashEndpoint.cs): MPDs, and the files of DASH outputs.
        if (app.ApplicationServices.GetService<Dash.DashEndpoint>() is { } dash)
        {
            app.MapWhen(c => endpoint.IsWsFmp4Request(c) && dash.Claims(c), branch => branch.Run(dash.HandleAsync));
        }

        // HLS over plain HTTP on the same listener (Delivery/Hls/HlsEndpoint.cs), when the HLS outputs are registered.
        if (app.ApplicationServices.GetService<Hls.HlsEndpoint>() is { } hls)
        {
            app.MapWhen(c => endpoint.IsWsFmp4Request(c) && Hls.HlsEndpoint.IsHlsRequest(c), branch => branch.Run(hls.HandleAsync));
        }

        app.MapWhen(endpoint.IsWsFmp4Request, branch =>
        {
            branch.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
            branch.Run(endpoint.HandleAsync);
        });
        next(app);
    };
}
