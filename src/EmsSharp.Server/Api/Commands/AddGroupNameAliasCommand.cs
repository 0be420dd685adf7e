namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>addGroupNameAlias groupName aliasName</c> (shared/EVOSTREAM-API.md §4, Aliases): <c>{aliasName, groupName}</c>,
/// <c>Alias applied to group name</c>. EvoStream's reply also carries its cluster members (<c>cliProtocolId</c>,
/// <c>edges</c>, <c>edgesCount</c>, ...); EmsSharp has no edges, so they are not there.
/// </summary>
internal sealed class AddGroupNameAliasCommand(GroupNameAliases aliases) : IApiCommand
{
    public string Name => "addGroupNameAlias";

    public bool ChangesState => true;

    public string Description =>
        "Adds another name for an HLS/DASH group name (kept for EvoStream scripts; EmsSharp has no HLS yet): {aliasName, groupName}";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [AliasParameters.GroupName, AliasParameters.AliasName("The other name")];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var aliasName = arguments.GetString("aliasName")!;
        var groupName = arguments.GetString("groupName")!;
        return ValueTask.FromResult(aliases.TryAdd(aliasName, groupName)
            ? ApiReply.Ok("Alias applied to group name", GroupNameByAliasCommand.Pair(aliasName, groupName))
            : AliasParameters.Full("group name alias", GroupNameAliases.MaxAliases));
    }
}
