using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>removeStreamAlias aliasName</c> (shared/EVOSTREAM-API.md §4, Aliases): <c>{aliasName}</c>, <c>Alias removed</c> (D20's
/// description). An alias that is not there (or expired) is a FAIL naming it.
/// </summary>
internal sealed class RemoveStreamAliasCommand(StreamAliases aliases) : IApiCommand
{
    public string Name => "removeStreamAlias";

    public bool ChangesState => true;

    public string Description => "Removes a stream alias: {aliasName}";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [AliasParameters.AliasName("The alias to remove")];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var aliasName = arguments.GetString("aliasName")!;
        return ValueTask.FromResult(aliases.TryRemove(aliasName, out _)
            ? ApiReply.Ok("Alias removed", new JsonObject { ["aliasName"] = aliasName })
            : AliasParameters.NotFound("Alias", aliasName));
    }
}
