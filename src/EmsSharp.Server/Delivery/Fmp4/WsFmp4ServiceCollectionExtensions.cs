using EmsSharp.Server.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>Registers the shared fMP4 sources and the WS-FMP4 endpoint with one call.</summary>
internal static class WsFmp4ServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="Fmp4SourceManager"/> (options from the <c>Fmp4</c> section; other deliveries may share it)
    /// and the WS-FMP4 listener (options from the <c>WsFmp4</c> section) on the ems Kestrel server.
    /// Needs the <c>StreamHub</c> and <c>IEventPublisher</c> registered elsewhere.
    /// </summary>
    public static IServiceCollection AddEmsWsFmp4(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Fmp4SourceOptions>().Bind(configuration.GetSection(Fmp4SourceOptions.SectionName)).ValidateOnStart();
        services.AddOptions<WsFmp4Options>().Bind(configuration.GetSection(WsFmp4Options.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Fmp4SourceOptions>, WsFmp4OptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WsFmp4Options>, WsFmp4OptionsValidator>());
        services.TryAddSingleton<DeliveryStats>();
        services.TryAddSingleton<Fmp4SourceManager>();
        services.TryAddSingleton<OutboundStreamRegistry>();
        services.TryAddSingleton<ConnectionRegistry>(); // viewers are listed as connections
        services.TryAddSingleton<StreamAliases>(); // the endpoint resolves aliases, also when registered without the stream commands
        services.TryAddSingleton<WsFmp4Endpoint>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, WsFmp4KestrelSetup>();
        services.AddSingleton<IStartupFilter, WsFmp4StartupFilter>();
        return services;
    }
}
