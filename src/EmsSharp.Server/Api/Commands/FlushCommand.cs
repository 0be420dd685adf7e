namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// A command without parameters that clears something and answers <c>data:null</c> with EvoStream's description (§1):
/// <c>flushStreamAliases</c> and <c>flushGroupNameAliases</c> (shared/EVOSTREAM-API.md §4, Aliases) empty a table,
/// <c>resetMaxFdCounters</c> and <c>resetTotalFdCounters</c> restart the connection counters.
/// </summary>
internal sealed class FlushCommand(string name, string description, string replyDescription, Action flush) : IApiCommand
{
    public string Name => name;

    public bool ChangesState => true;

    public string Description => description;

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        flush();
        return ValueTask.FromResult(ApiReply.Ok(replyDescription));
    }
}
