namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// An EvoStream command EmsSharp does not answer yet: a FAIL that says so and why, never "unknown command", so a script
/// written for EvoStream learns what is missing (issue 14). <see cref="EvoStreamCommands"/> lists them; a real
/// implementation registered under the same name replaces its entry.
/// </summary>
internal sealed class UnavailableCommand(string name, string why) : IApiCommand
{
    public string Name => name;

    public bool ChangesState => false;

    public string Description => "Not available in EmsSharp yet: " + why;

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiReply.Fail($"{name} is not available in EmsSharp yet: {why}"));
}
