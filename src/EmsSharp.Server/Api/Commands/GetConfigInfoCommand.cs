using System.Globalization;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Dash;
using EmsSharp.Server.Delivery.Hls;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Recording;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>getConfigInfo</c> (PROTOCOL.md §1.4): one configuration with its status.</summary>
internal sealed class GetConfigInfoCommand(
    ConfigurationStore store, WebRtcServiceManager manager, PullStreamManager pulls, PushStreamManager pushes, HlsOutputManager hls,
    RecordManager? records = null, DashOutputManager? dash = null) : IApiCommand
{
    public string Name => "getConfigInfo";

    public bool ChangesState => false;

    public string Description => "Shows one configuration and its status {current, previous}";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("id", ParameterKind.Integer, true, null, "configId of the configuration"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var id = arguments.GetInt64("id")!.Value;
        if (!store.TryGet(id, out var entry))
            return ValueTask.FromResult(ApiReply.Fail(string.Create(CultureInfo.InvariantCulture, $"No configuration with id {id}; see listConfig")));

        var data = entry.CloneData();
        if (manager.Find(id) is { } service)
            data["status"] = service.StatusToJson();
        else if (pulls.Find(id) is { } pull)
            data["status"] = pull.StatusToJson(); // EvoStream's codes (0 streaming, 1 connecting, 4 disconnected, 5 failed), unix seconds
        else if (pushes.Find(id) is { } push)
            data["status"] = push.StatusToJson(); // and 2 waiting for the local stream
        else if (records?.Find(id) is { } recorder)
            data["status"] = recorder.StatusToJson(); // 2 waiting, 0 recording, 4 the stream ended, 5 the disk failed
        else if (hls.Find(id) is { } output)
            data["status"] = output.StatusToJson();
        else if (dash?.Find(id) is { } dashOutput)
            data["status"] = dashOutput.StatusToJson();
        return ValueTask.FromResult(ApiReply.Ok("Configuration Info", data));
    }
}
