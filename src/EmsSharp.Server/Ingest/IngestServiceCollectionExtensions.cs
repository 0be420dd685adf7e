using EmsSharp.Media.Hub;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>Registers the ingest side of the server with one call.</summary>
internal static class IngestServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="StreamHub"/> (if not yet registered), <see cref="TimeProvider.System"/> (if none),
    /// the typed and validated <see cref="IngestOptions"/> bound from the <c>Ingest</c> section of
    /// <paramref name="configuration"/>, the RTMP and RTSP servers and the FLV file sources as hosted services.
    /// </summary>
    public static IServiceCollection AddEmsIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new StreamHub(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<RtmpServer>();
        services.AddHostedService(sp => sp.GetRequiredService<RtmpServer>());
        services.TryAddSingleton<RtspServer>();
        services.AddHostedService(sp => sp.GetRequiredService<RtspServer>());
        services.AddHostedService<FileSourceService>();
        return services;
    }
}
