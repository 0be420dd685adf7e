using System.Globalization;
using System.Text.Json.Nodes;
using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>addStreamAlias localStreamName aliasName expirePeriod=-600</c> (shared/EVOSTREAM-API.md §4, Aliases): viewers may
/// name the stream by the alias (<see cref="StreamAliases"/>). Reply <c>{aliasName, expirePeriod, localStreamName}</c>,
/// <c>Alias applied</c>. The stream need not be live yet, as in EvoStream: the alias resolves when a viewer uses it.
/// </summary>
internal sealed class AddStreamAliasCommand(StreamAliases aliases) : IApiCommand
{
    private static readonly string Range = string.Create(CultureInfo.InvariantCulture,
        $"Range: {-StreamAliases.MaxExpirePeriod} - {StreamAliases.MaxExpirePeriod}");

    public string Name => "addStreamAlias";

    public bool ChangesState => true;

    public string Description =>
        "Adds another name viewers may play a stream by (WS-FMP4, WebRTC): {aliasName, expirePeriod, localStreamName}";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("localStreamName", ParameterKind.Name, true, null, "The stream the alias plays"),
        AliasParameters.AliasName("The other name"),
        new("expirePeriod", ParameterKind.Integer, false, "-600",
            "Seconds: below 0 one-shot, usable once within that many; 0 never expires; above 0 reusable for that many. " + Range),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var expirePeriod = arguments.GetInt64("expirePeriod")!.Value;
        if (Math.Abs(expirePeriod) > StreamAliases.MaxExpirePeriod)
        {
            // EvoStream's range FAIL (§1), which names the parameter.
            return ValueTask.FromResult(ApiReply.Fail("Syntax error. Parameter expireperiod is invalid. " + Range));
        }

        var aliasName = arguments.GetString("aliasName")!;
        var localStreamName = arguments.GetString("localStreamName")!;
        if (!aliases.TryAdd(aliasName, localStreamName, expirePeriod, out _))
            return ValueTask.FromResult(AliasParameters.Full("stream alias", StreamAliases.MaxAliases));

        return ValueTask.FromResult(ApiReply.Ok("Alias applied", new JsonObject
        {
            ["aliasName"] = aliasName,
            ["expirePeriod"] = expirePeriod,
            ["localStreamName"] = localStreamName,
        }));
    }
}
