using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>listGroupNameAliases</c> (shared/EVOSTREAM-API.md §4, Aliases): <c>[{aliasName, groupName}]</c>, <c>[]</c> when none;
/// EvoStream's web UI reads each item's <c>aliasName</c> and <c>groupName</c> (§7).
/// </summary>
internal sealed class ListGroupNameAliasesCommand(GroupNameAliases aliases) : IApiCommand
{
    public string Name => "listGroupNameAliases";

    public bool ChangesState => false;

    public string Description => "Lists the group name aliases: [{aliasName, groupName}]";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var (aliasName, groupName) in aliases.List())
            list.Add(GroupNameByAliasCommand.Pair(aliasName, groupName));
        return ValueTask.FromResult(ApiReply.Ok("Currently available group name aliases", list));
    }
}
