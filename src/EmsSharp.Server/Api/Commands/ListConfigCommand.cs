using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>listConfig</c> (PROTOCOL.md §1.4): every configuration, grouped by kind.</summary>
internal sealed class ListConfigCommand(ConfigurationStore store) : IApiCommand
{
    public string Name => "listConfig";

    public bool ChangesState => false;

    public string Description => "Lists the run-time configuration (pull, push, hls, record, webrtc)";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var pull = new JsonArray();
        var push = new JsonArray();
        var hls = new JsonArray();
        var record = new JsonArray();
        var webrtc = new JsonArray();
        foreach (var entry in store.Snapshot())
        {
            var target = entry.OperationType switch
            {
                OperationType.Pull => pull,
                OperationType.Push => push,
                OperationType.Hls => hls,
                OperationType.Record => record,
                OperationType.WebRtc => webrtc,
                _ => null,
            };
            target?.Add(entry.CloneData());
        }

        var data = new JsonObject
        {
            ["hls"] = hls,
            ["pull"] = pull,
            ["push"] = push,
            ["record"] = record,
            ["webrtc"] = webrtc,
        };
        return ValueTask.FromResult(ApiReply.Ok("Run-time configuration", data));
    }
}
