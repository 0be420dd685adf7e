namespace EmsSharp.Server.Api.Commands;

/// <summary><c>quit</c>: ends this CLI session after the reply.</summary>
internal sealed class QuitCommand : IApiCommand
{
    public string Name => "quit";

    public bool ChangesState => false;

    public string Description => "Ends this CLI session";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        session.QuitRequested = true;
        return ValueTask.FromResult(ApiReply.Ok("Bye!"));
    }
}
