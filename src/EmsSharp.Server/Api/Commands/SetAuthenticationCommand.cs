using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>setAuthentication enabled=0|1</c>: switches publish authentication off and on at run time, as EvoStream's switches
/// its RTMP publish authentication (shared/EVOSTREAM-API.md §4; reply <c>{enabled}</c>). Here it covers what
/// docs/OPERATIONS.md's Publishing section configures (Ingest:PublishKeys, PublishUsers, PublishCallback) for RTMP and
/// RTSP alike. Not saved: every start enforces the configuration again.
/// </summary>
internal sealed partial class SetAuthenticationCommand(PublishAuthorizer publishers, ILogger<SetAuthenticationCommand> logger) : IApiCommand
{
    public string Name => "setAuthentication";

    public bool ChangesState => true;

    public string Description => "Turns publish authentication (Ingest:PublishKeys, PublishUsers, PublishCallback) off or on until restart";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("enabled", ParameterKind.Boolean, true, null, "1 checks publishers' keys, users or callback; 0 lets anyone publish any free name"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var enabled = arguments.GetBoolean("enabled")!.Value;
        if (enabled && !publishers.IsConfigured)
        {
            // Turning on nothing would report a protection that is not there.
            return ValueTask.FromResult(ApiReply.Fail("Cannot set enabled=1: no Ingest:PublishKeys, Ingest:PublishUsers or " +
                "Ingest:PublishCallback:Url is configured, so there is nothing to check (docs/OPERATIONS.md, Publishing)"));
        }

        if (publishers.Enforced != enabled)
        {
            publishers.Enforced = enabled;
            if (enabled)
            {
                LogEnforced(logger, session.Transport);
            }
            else
            {
                LogOpened(logger, session.Transport);
            }
        }

        return ValueTask.FromResult(ApiReply.Ok(enabled ? "Publish authentication is enabled" : "Publish authentication is disabled",
            new System.Text.Json.Nodes.JsonObject { ["enabled"] = enabled }));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publish authentication disabled by setAuthentication over the {Transport} API: anyone who reaches the RTMP and RTSP ports may publish any free stream name until it is enabled again or the server restarts")]
    private static partial void LogOpened(ILogger logger, ApiTransport transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publish authentication enabled again by setAuthentication over the {Transport} API")]
    private static partial void LogEnforced(ILogger logger, ApiTransport transport);
}
