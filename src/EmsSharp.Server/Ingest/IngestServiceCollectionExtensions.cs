using EmsSharp.Media.Hub;
using EmsSharp.Server.Api;
using EmsSharp.Server.Api.Commands;
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
        services.TryAddSingleton<PublishAuthorizer>();
        services.TryAddSingleton<RtmpServer>();
        services.AddHostedService(sp => sp.GetRequiredService<RtmpServer>());
        services.TryAddSingleton<RtspServer>();
        services.AddHostedService(sp => sp.GetRequiredService<RtspServer>());
        services.AddHostedService<FileSourceService>();
        return services;
    }

    /// <summary>
    /// Adds what needs the server's configuration store and event publisher on top of <see cref="AddEmsIngest"/>:
    /// the pulls (replayed from saved configurations at start), the inStreamCreated/inStreamClosed events, and the
    /// stream commands (pullStream, listStreams, listInboundStreams, listInboundStreamNames, listStreamsIds, getStreamsCount,
    /// getInboundStreamsCount, getStreamInfo, shutdownStream, isStreamRunning).
    /// </summary>
    public static IServiceCollection AddEmsStreamControl(this IServiceCollection services)
    {
        services.AddHostedService<StreamEventBridge>();
        services.TryAddSingleton<PullStreamManager>();
        services.AddHostedService(sp => sp.GetRequiredService<PullStreamManager>());
        services.AddSingleton<IApiCommand, PullStreamCommand>();
        const string ObjectsHelp =
            "Lists the live streams as EvoStream's stream objects (uniqueId, name, type, audio, video, upTime in ms, addresses, pullSettings)";
        services.AddSingleton<IApiCommand>(sp => StreamObjects(sp, "listStreams", ObjectsHelp, "Available streams"));
        services.AddSingleton<IApiCommand>(sp => StreamObjects(sp, "listInboundStreams", ObjectsHelp, "Available inbound streams"));
        services.AddSingleton<IApiCommand>(sp => new StreamListCommand(sp.GetRequiredService<StreamHub>(), "listStreamsIds",
            "Lists the uniqueIds of the live streams", "Available stream IDs", static s => s.Id));
        services.AddSingleton<IApiCommand>(sp => new StreamListCommand(sp.GetRequiredService<StreamHub>(), "listInboundStreamNames",
            "Lists the names of the live inbound streams", "Inbound local stream names", static s => s.Name));
        services.AddSingleton<IApiCommand>(sp => new StreamCountCommand(sp.GetRequiredService<StreamHub>(),
            "getStreamsCount", "streamCount", "Active streams count", "Counts the live streams: {streamCount}"));
        services.AddSingleton<IApiCommand>(sp => new StreamCountCommand(sp.GetRequiredService<StreamHub>(),
            "getInboundStreamsCount", "inboundStreamsCount", "Active inbound streams",
            "Counts the live inbound streams: {inboundStreamsCount}"));
        services.AddSingleton<IApiCommand, GetStreamInfoCommand>();
        services.AddSingleton<IApiCommand, ShutdownStreamCommand>();
        services.AddSingleton<IApiCommand, IsStreamRunningCommand>();
        return services;
    }

    private static StreamListCommand StreamObjects(IServiceProvider services, string name, string description, string replyDescription)
    {
        var pulls = services.GetRequiredService<PullStreamManager>();
        var time = services.GetRequiredService<TimeProvider>();
        return new StreamListCommand(services.GetRequiredService<StreamHub>(), name, description, replyDescription,
            s => StreamInfoJson.Create(s, pulls, time));
    }
}
