using System.Text.Json.Nodes;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Recording;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>listConfig</c> (PROTOCOL.md §1.4): every configuration, grouped by kind.</summary>
internal sealed class ListConfigCommand(
    ConfigurationStore store, PullStreamManager pulls, PushStreamManager pushes, HlsOutputManager hls, RecordManager? records = null,
    DashOutputManager? dash = null) : IApiCommand
{
    public string Name => "listConfig";

    public bool ChangesState => false;

    public string Description => "Lists the run-time configuration: dash, hds, hls, metalistener, mss, process, pull, push, record, webrtc";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        // All ten arrays of EvoStream 2.0 (shared/EVOSTREAM-API.md §3), [] when empty: its web UI reads every key. The
        // kinds EmsSharp has no command for yet (hds, metalistener, mss, process) stay empty.
        var data = new JsonObject();
        foreach (var kind in Kinds)
        {
            data[kind] = new JsonArray();
        }

        foreach (var entry in store.Snapshot())
        {
            if (KindOf(entry.OperationType) is { } kind)
            {
                // A pull's entry carries its status, as EvoStream's real listConfig does (the web UI's Config tables).
                var item = entry.CloneData();
                if (entry.OperationType == OperationType.Pull && pulls.Find(entry.ConfigId) is { } pull)
                {
                    item["status"] = pull.StatusToJson();
                }
                else if (entry.OperationType == OperationType.Push && pushes.Find(entry.ConfigId) is { } push)
                {
                    item["status"] = push.StatusToJson();
                }
                else if (entry.OperationType == OperationType.Record && records?.Find(entry.ConfigId) is { } recorder)
                {
                    item["status"] = recorder.StatusToJson();
                }
                else if (entry.OperationType == OperationType.Hls && hls.Find(entry.ConfigId) is { } output)
                {
                    item["status"] = output.StatusToJson();
                }
                else if (entry.OperationType == OperationType.Dash && dash?.Find(entry.ConfigId) is { } dashOutput)
                {
                    item["status"] = dashOutput.StatusToJson();
                }

                data[kind]!.AsArray().Add(item);
            }
        }

        return ValueTask.FromResult(ApiReply.Ok("Run-time configuration", data));
    }

    private static readonly string[] Kinds = ["dash", "hds", "hls", "metalistener", "mss", "process", "pull", "push", "record", "webrtc"];

    private static string? KindOf(OperationType type) => type switch
    {
        OperationType.Pull => "pull",
        OperationType.Push => "push",
        OperationType.Hls => "hls",
        OperationType.Dash => "dash",
        OperationType.Record => "record",
        OperationType.WebRtc => "webrtc",
        _ => null,
    };
}
