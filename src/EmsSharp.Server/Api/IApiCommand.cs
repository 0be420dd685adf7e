namespace EmsSharp.Server.Api;

/// <summary>
/// One command of the EMS API. Implementations declare their parameters; the registry parses,
/// validates and applies defaults before <see cref="ExecuteAsync"/> runs, whatever the transport.
/// </summary>
internal interface IApiCommand
{
    /// <summary>Canonical name (matched case-insensitively).</summary>
    string Name { get; }

    /// <summary>One line for <c>help</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Whether the command creates, stops or removes something; over HTTP such a command needs POST or a GET that no
    /// browser page sent (docs/OPERATIONS.md, Exposure). Session-only effects (<c>quit</c>) and counters do not count.
    /// </summary>
    bool ChangesState { get; }

    IReadOnlyList<CommandParameter> Parameters { get; }

    /// <summary>
    /// The members of the reply's data the ASCII CLI prints (EvoStream's per-command <c>asciiList</c>, shared/EVOSTREAM-API.md
    /// §6), at every level of nesting; null, for every command whose subset EvoStream does not document: all of them.
    /// </summary>
    IReadOnlySet<string>? AsciiMembers => null;

    ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken);
}
