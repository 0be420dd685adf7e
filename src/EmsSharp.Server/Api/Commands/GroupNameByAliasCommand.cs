using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>getGroupNameByAlias aliasName</c> (<c>Group name</c>) and, with <paramref name="remove"/>, <c>removeGroupNameAlias</c>
/// (<c>Group Alias removed</c>; registered under both its documented names, D20/RMS <c>removeGroupNameAlias</c> and
/// HELP/WEBUI <c>removeGroupNameAliases</c>): <c>{aliasName, groupName}</c> (shared/EVOSTREAM-API.md §4, Aliases; D20's
/// remove answers the list, DJ an object: the object says which one went). An unknown alias is a FAIL naming it.
/// EvoStream's getGroupNameByAlias adds cluster members (<c>edges</c>, ...); EmsSharp has no edges.
/// </summary>
internal sealed class GroupNameByAliasCommand(GroupNameAliases aliases, string name, bool remove) : IApiCommand
{
    public string Name => name;

    public bool ChangesState => remove;

    public string Description => remove
        ? "Removes a group name alias: {aliasName, groupName}"
        : "The group name an alias stands for: {aliasName, groupName}";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
        [AliasParameters.AliasName(remove ? "The alias to remove" : "The alias to look up")];

    /// <summary>EvoStream's <c>{aliasName, groupName}</c>, members in alphabetical order (§0).</summary>
    public static JsonObject Pair(string aliasName, string groupName) => new()
    {
        ["aliasName"] = aliasName,
        ["groupName"] = groupName,
    };

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var aliasName = arguments.GetString("aliasName")!;
        var found = remove ? aliases.TryRemove(aliasName, out var groupName) : aliases.TryGet(aliasName, out groupName);
        return ValueTask.FromResult(found
            ? ApiReply.Ok(remove ? "Group Alias removed" : "Group name", Pair(aliasName, groupName))
            : AliasParameters.NotFound("Group name alias", aliasName));
    }
}
