namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// The parameters the alias commands share (shared/EVOSTREAM-API.md §4, Aliases). Names are <see cref="ParameterKind.Name"/>:
/// 1..256 characters, no control characters (they reach log lines), so a bad value is a FAIL naming the parameter.
/// </summary>
internal static class AliasParameters
{
    public static CommandParameter AliasName(string description) => new("aliasName", ParameterKind.Name, true, null, description);

    public static CommandParameter GroupName { get; } =
        new("groupName", ParameterKind.Name, true, null, "The HLS/DASH group name the alias stands for");

    /// <summary>The FAIL for an alias that is not there, naming it (as EvoStream's stream FAILs name the stream, §1).</summary>
    public static ApiReply NotFound(string kind, string aliasName) =>
        ApiReply.Fail($"{kind} {CommandParser.Shorten(aliasName)} not found");

    /// <summary>The FAIL for a full table: the cap keeps the API from exhausting memory.</summary>
    public static ApiReply Full(string kind, int max) =>
        ApiReply.Fail($"Cannot add: {max} {kind}es already exist; remove or flush some first");
}
