using EmsSharp.Server.Api;
using EmsSharp.Server.Api.Commands;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Recording;

/// <summary>Registers the recordings with one call.</summary>
internal static class RecordServiceCollectionExtensions
{
    /// <summary>
    /// Adds the validated <see cref="RecordOptions"/> bound from the <c>Record</c> section of <paramref name="configuration"/>,
    /// the <see cref="RecordManager"/> (replaying saved recordings at start, finalising files at shutdown) and the
    /// <c>record</c> command. Needs <c>AddEmsStreamControl</c>'s outputs and the server's configuration store and events.
    /// </summary>
    public static IServiceCollection AddEmsRecording(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RecordOptions>().Bind(configuration.GetSection(RecordOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RecordOptions>, RecordOptionsValidator>());
        services.TryAddSingleton<RecordManager>();
        services.AddHostedService(sp => sp.GetRequiredService<RecordManager>());
        services.AddSingleton<IApiCommand, RecordCommand>();
        return services;
    }
}
