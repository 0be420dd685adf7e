using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Api;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Hls;
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
        services.TryAddSingleton<ConnectionRegistry>(); // publishers are listed as connections
        services.TryAddSingleton<RtmpServer>();
        services.AddHostedService(sp => sp.GetRequiredService<RtmpServer>());
        services.TryAddSingleton<RtspServer>();
        services.AddHostedService(sp => sp.GetRequiredService<RtspServer>());
        services.AddHostedService<FileSourceService>();
        return services;
    }

    /// <summary>
    /// Adds what needs the server's configuration store and event publisher on top of <see cref="AddEmsIngest"/>:
    /// the pulls and pushes (replayed from saved configurations at start), the stream events (created, closed, codecs updated, feed
    /// stopped), and the
    /// stream commands (pullStream, pushStream, listStreams, listInboundStreams, listInboundStreamNames, listStreamsIds, getStreamsCount,
    /// getInboundStreamsCount, getStreamInfo, shutdownStream, isStreamRunning), the connection commands (listConnections,
    /// listConnectionsIds, getConnectionInfo, getConnectionsCount, clientsConnected, httpClientsConnected,
    /// getExtendedConnectionCounters, resetMaxFdCounters, resetTotalFdCounters) and the stream and group name aliases with their commands.
    /// </summary>
    public static IServiceCollection AddEmsStreamControl(this IServiceCollection services)
    {
        services.AddHostedService<StreamEventBridge>();
        services.AddHostedService<FeedStoppedWatch>();
        services.TryAddSingleton<PullStreamManager>();
        services.AddHostedService(sp => sp.GetRequiredService<PullStreamManager>());
        services.AddSingleton<IApiCommand, PullStreamCommand>();
        services.TryAddSingleton<PushStreamManager>();
        services.AddHostedService(sp => sp.GetRequiredService<PushStreamManager>());
        services.AddSingleton<IApiCommand, PushStreamCommand>();
        services.AddOptions<HlsOptions>().BindConfiguration(HlsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HlsOptions>, HlsOptionsValidator>());
        services.TryAddSingleton<HlsOutputManager>();
        services.AddHostedService(sp => sp.GetRequiredService<HlsOutputManager>());
        services.AddSingleton<IApiCommand, CreateHlsStreamCommand>();
        services.TryAddSingleton<HlsEndpoint>();
        services.TryAddSingleton<DashOutputManager>();
        services.AddHostedService(sp => sp.GetRequiredService<DashOutputManager>());
        services.AddSingleton<IApiCommand, CreateDashStreamCommand>();
        services.TryAddSingleton<DashEndpoint>();
        services.TryAddSingleton<OutboundStreamRegistry>();
        services.TryAddSingleton<StreamDirectory>();
        services.TryAddSingleton<ConnectionRegistry>();
        services.TryAddSingleton<ConnectionDirectory>();
        services.AddSingleton<IApiCommand>(sp => new ListConnectionsCommand(sp.GetRequiredService<ConnectionDirectory>(), false));
        services.AddSingleton<IApiCommand>(sp => new ListConnectionsCommand(sp.GetRequiredService<ConnectionDirectory>(), true));
        services.AddSingleton<IApiCommand, GetConnectionInfoCommand>();
        services.AddSingleton<IApiCommand, GetConnectionsCountCommand>();
        services.AddSingleton<IApiCommand, ClientsConnectedCommand>();
        services.AddSingleton<IApiCommand, HttpClientsConnectedCommand>();
        services.AddSingleton<IApiCommand, GetExtendedConnectionCountersCommand>();
        services.AddSingleton<IApiCommand>(sp => new FlushCommand("resetMaxFdCounters",
            "Restarts each connection high-water mark (max of getExtendedConnectionCounters) from the connections open now",
            "Max counters are cleared", sp.GetRequiredService<ConnectionRegistry>().ResetMaxCounters));
        services.AddSingleton<IApiCommand>(sp => new FlushCommand("resetTotalFdCounters",
            "Restarts each cumulative connection total (total of getExtendedConnectionCounters) from the connections open now",
            "Total counters are cleared", sp.GetRequiredService<ConnectionRegistry>().ResetTotalCounters));
        const string ObjectsHelp = "Lists the live streams, inbound and outbound (the viewers), as EvoStream's stream objects "
            + "(uniqueId, name, type, audio, video, upTime in ms, addresses, pullSettings, outStreamsUniqueIds, inStreamUniqueId)";
        const string InboundHelp = "Lists the live inbound streams as EvoStream's stream objects";
        services.AddSingleton<IApiCommand>(sp => StreamList(sp, false, "listStreams", ObjectsHelp, "Available streams", null));
        services.AddSingleton<IApiCommand>(sp => StreamList(sp, true, "listInboundStreams", InboundHelp, "Available inbound streams", null));
        services.AddSingleton<IApiCommand>(sp => StreamList(sp, false, "listStreamsIds",
            "Lists the uniqueIds of the live streams, inbound and outbound", "Available stream IDs", static s => s.Id));
        services.AddSingleton<IApiCommand>(sp => StreamList(sp, true, "listInboundStreamNames",
            "Lists the names of the live inbound streams", "Inbound local stream names", static s => s.Name));
        services.AddSingleton<IApiCommand>(sp => new StreamCountCommand(sp.GetRequiredService<StreamDirectory>(), false,
            "getStreamsCount", "streamCount", "Active streams count", "Counts the live streams, inbound and outbound: {streamCount}"));
        services.AddSingleton<IApiCommand>(sp => new StreamCountCommand(sp.GetRequiredService<StreamDirectory>(), true,
            "getInboundStreamsCount", "inboundStreamsCount", "Active inbound streams",
            "Counts the live inbound streams: {inboundStreamsCount}"));
        services.AddSingleton<IApiCommand, GetStreamInfoCommand>();
        services.AddSingleton<IApiCommand, ShutdownStreamCommand>();
        services.AddSingleton<IApiCommand, IsStreamRunningCommand>();
        services.AddEmsAliases();
        return services;
    }

    // The stream aliases every viewer entry point resolves through, the group name aliases, and their commands
    // (shared/EVOSTREAM-API.md §4, Aliases).
    private static void AddEmsAliases(this IServiceCollection services)
    {
        services.TryAddSingleton<StreamAliases>();
        services.TryAddSingleton<GroupNameAliases>();
        services.AddSingleton<IApiCommand, AddStreamAliasCommand>();
        services.AddSingleton<IApiCommand, ListStreamAliasesCommand>();
        services.AddSingleton<IApiCommand, RemoveStreamAliasCommand>();
        services.AddSingleton<IApiCommand>(sp => new FlushCommand("flushStreamAliases", "Removes every stream alias",
            "All aliases are flushed", sp.GetRequiredService<StreamAliases>().Flush));
        services.AddSingleton<IApiCommand, AddGroupNameAliasCommand>();
        services.AddSingleton<IApiCommand, ListGroupNameAliasesCommand>();
        foreach (var (name, remove) in new[] { ("getGroupNameByAlias", false), ("removeGroupNameAlias", true), ("removeGroupNameAliases", true) })
            services.AddSingleton<IApiCommand>(sp => new GroupNameByAliasCommand(sp.GetRequiredService<GroupNameAliases>(), name, remove));
        services.AddSingleton<IApiCommand>(sp => new FlushCommand("flushGroupNameAliases", "Removes every group name alias",
            "All group name aliases are flushed", sp.GetRequiredService<GroupNameAliases>().Flush));
    }

    // One list command; item null: each stream's object.
    private static StreamListCommand StreamList(
        IServiceProvider services, bool inboundOnly, string name, string description, string replyDescription, Func<ListedStream, JsonNode>? item)
    {
        var streams = services.GetRequiredService<StreamDirectory>();
        return new StreamListCommand(streams, inboundOnly, name, description, replyDescription, item ?? streams.ToJson);
    }
}
