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

    ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken);
}
