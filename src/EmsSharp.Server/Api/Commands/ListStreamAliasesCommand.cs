using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>listStreamAliases</c> (shared/EVOSTREAM-API.md §4, Aliases): the aliases that have not expired, as
/// <c>[{aliasName, creationTime, expirePeriod, localStreamName, oneShot, permanent}]</c>, <c>[]</c> when none (§0; the
/// web UI reads <c>data.length</c>, §7). <c>creationTime</c> is unix seconds, an integer.
/// </summary>
internal sealed class ListStreamAliasesCommand(StreamAliases aliases) : IApiCommand
{
    public string Name => "listStreamAliases";

    public bool ChangesState => false;

    public string Description =>
        "Lists the stream aliases that have not expired: [{aliasName, creationTime, expirePeriod, localStreamName, oneShot, permanent}]";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var alias in aliases.List())
        {
            list.Add(new JsonObject
            {
                ["aliasName"] = alias.AliasName,
                ["creationTime"] = alias.CreatedAt.ToUnixTimeSeconds(),
                ["expirePeriod"] = alias.ExpirePeriod,
                ["localStreamName"] = alias.LocalStreamName,
                ["oneShot"] = alias.OneShot,
                ["permanent"] = alias.Permanent,
            });
        }

        return ValueTask.FromResult(ApiReply.Ok("Currently available aliases", list));
    }
}
