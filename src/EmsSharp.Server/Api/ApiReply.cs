using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api;

/// <summary>
/// One reply of the command API (PROTOCOL.md §1.3): <c>{"data":...,"description":"...","status":"SUCCESS"|"FAIL"}</c>.
/// <see cref="Data"/> is owned by the reply: never a node that also lives elsewhere.
/// </summary>
internal sealed record ApiReply(bool Success, string Description, JsonNode? Data)
{
    public static ApiReply Ok(string description, JsonNode? data = null) => new(true, description, data);

    public static ApiReply Fail(string description, JsonNode? data = null) => new(false, description, data);

    public string Status => Success ? "SUCCESS" : "FAIL";

    /// <summary>The data members the ASCII CLI prints (the command's <see cref="IApiCommand.AsciiMembers"/>); null: all.</summary>
    public IReadOnlySet<string>? AsciiMembers { get; init; }
}
