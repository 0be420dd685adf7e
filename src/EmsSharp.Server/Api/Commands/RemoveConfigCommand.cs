using System.Globalization;
using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Recording;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>removeConfig</c> (PROTOCOL.md §1.4): stops the item and deletes its configuration.</summary>
internal sealed class RemoveConfigCommand(
    ConfigurationStore store, WebRtcServiceManager manager, PullStreamManager pulls, PushStreamManager pushes, HlsOutputManager hls,
    RecordManager? records = null, DashOutputManager? dash = null) : IApiCommand
{
    public string Name => "removeConfig";

    public bool ChangesState => true;

    public string Description => "Stops a configured item and deletes its configuration";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("id", ParameterKind.Integer, false, null, "configId of the configuration (or groupName)"),
        new("groupName", ParameterKind.String, false, null, "removes every configuration of an HLS or DASH group instead"),
        new("removeHlsHdsFiles", ParameterKind.Boolean, false, "false", "also delete the HLS or DASH files (segments, playlists, MPD) of what is removed"),
    ];

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var deleteFiles = arguments.GetBoolean("removeHlsHdsFiles")!.Value;
        if (arguments.GetInt64("id") is not { } id)
        {
            if (arguments.GetString("groupName") is not { Length: > 0 } groupName)
                return ApiReply.Fail("Specify id or groupName");
            var hlsGroup = hls.FindGroup(groupName);
            var dashGroup = dash?.FindGroup(groupName);
            if (hlsGroup is null && dashGroup is null)
                return ApiReply.Fail($"No group {groupName}; see listConfig");

            // RMS answers with what it removed; the group's configurations, one array.
            var removed = new JsonArray();
            foreach (var output in hlsGroup?.Members ?? [])
            {
                if (await hls.RemoveAsync(output.ConfigId, deleteFiles).ConfigureAwait(false) is { } gone)
                    removed.Add(gone.ConfigurationToJson());
            }

            foreach (var output in dashGroup?.Members ?? [])
            {
                if (await dash!.RemoveAsync(output.ConfigId, deleteFiles).ConfigureAwait(false) is { } gone)
                    removed.Add(gone.ConfigurationToJson());
            }

            return ApiReply.Ok("Configuration terminated", new JsonObject { ["groupName"] = groupName, ["removed"] = removed });
        }

        if (!store.TryGet(id, out var entry))
            return ApiReply.Fail(string.Create(CultureInfo.InvariantCulture, $"No configuration with id {id}; see listConfig"));

        if (await manager.RemoveAsync(id).ConfigureAwait(false) is null && await pulls.RemoveAsync(id).ConfigureAwait(false) is null &&
            await pushes.RemoveAsync(id).ConfigureAwait(false) is null && await hls.RemoveAsync(id, deleteFiles).ConfigureAwait(false) is null &&
            (dash is null || await dash.RemoveAsync(id, deleteFiles).ConfigureAwait(false) is null) &&
            (records is null || await records.RemoveAsync(id).ConfigureAwait(false) is null))
            store.TryRemove(id, out _);
        return ApiReply.Ok("Configuration terminated", entry.CloneData());
    }
}
