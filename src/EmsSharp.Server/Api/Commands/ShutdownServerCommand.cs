namespace EmsSharp.Server.Api.Commands;

/// <summary><c>shutdownServer</c>: stops the server cleanly after the reply is sent.</summary>
internal sealed class ShutdownServerCommand : IApiCommand
{
    public string Name => "shutdownServer";

    public bool ChangesState => true;

    public string Description => "Stops the server (saved configurations are kept)";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        session.ShutdownRequested = true;
        return ValueTask.FromResult(ApiReply.Ok("Server is shutting down"));
    }
}
