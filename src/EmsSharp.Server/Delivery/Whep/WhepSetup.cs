using System.Net;
using EmsSharp.Server.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Whep;

/// <summary>
/// Adds the WHEP listener to the ems Kestrel server when it is on (<c>Whep:Enabled</c>), with its per-address connection
/// cap, and puts its branch at the front of the pipeline: on that listener only WHEP is served (never the API).
/// </summary>
internal sealed class WhepSetup(IOptions<WhepOptions> options, WhepEndpoint endpoint, TimeProvider time, ILogger<WhepSetup> logger)
    : IConfigureOptions<KestrelServerOptions>, IStartupFilter
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var o = options.Value;
        if (!o.Enabled)
            return;
        kestrel.Listen(IPAddress.Parse(o.BindAddress), o.Port, listen =>
        {
            endpoint.Attach(listen);
            listen.UseConnectionCap("WHEP", o.MaxConnectionsPerAddress, int.MaxValue, time, logger);
        });
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(endpoint.IsWhepRequest, branch => branch.Run(endpoint.HandleAsync));
        next(app);
    };

    /// <summary>Registers the WHEP listener and its sessions (options from the <c>Whep</c> section).</summary>
    public static void AddTo(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WhepOptions>().Bind(configuration.GetSection(WhepOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WhepOptions>, WhepOptionsValidator>());
        services.AddSingleton<WhepRoom>();
        services.AddSingleton<WhipRoom>();
        services.AddSingleton<WhepEndpoint>();
        services.AddSingleton<WhepSetup>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<WhepSetup>());
        services.AddSingleton<IStartupFilter>(sp => sp.GetRequiredService<WhepSetup>());
    }
}
