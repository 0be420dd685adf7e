using System.Globalization;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Recording;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>removeConfig</c> (PROTOCOL.md §1.4): stops the item and deletes its configuration.</summary>
internal sealed class RemoveConfigCommand(ConfigurationStore store, WebRtcServiceManager manager, PullStreamManager pulls, PushStreamManager pushes,
    RecordManager? records = null) : IApiCommand
{
    public string Name => "removeConfig";

    public bool ChangesState => true;

    public string Description => "Stops a configured item and deletes its configuration";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("id", ParameterKind.Integer, true, null, "configId of the configuration"),
    ];

    public async ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var id = arguments.GetInt64("id")!.Value;
        if (!store.TryGet(id, out var entry))
            return ApiReply.Fail(string.Create(CultureInfo.InvariantCulture, $"No configuration with id {id}; see listConfig"));

        if (await manager.RemoveAsync(id).ConfigureAwait(false) is null && await pulls.RemoveAsync(id).ConfigureAwait(false) is null &&
            await pushes.RemoveAsync(id).ConfigureAwait(false) is null &&
            (records is null || await records.RemoveAsync(id).ConfigureAwait(false) is null))
            store.TryRemove(id, out _);
        return ApiReply.Ok("Configuration terminated", entry.CloneData());
    }
}
