using System.Text.Json.Nodes;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>help</c>: generated from the registry's declarations.</summary>
internal sealed class HelpCommand(IServiceProvider services) : IApiCommand
{
    public string Name => "help";

    public bool ChangesState => false;

    public string Description => "Lists the commands and their parameters";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("command", ParameterKind.NonEmptyString, false, null, "show only this command"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        // Resolved here, not injected: the registry is built from the commands, this one included.
        var registry = (CommandRegistry)services.GetService(typeof(CommandRegistry))!;
        var only = arguments.GetString("command");
        if (only is not null)
        {
            return ValueTask.FromResult(registry.TryGet(only, out var command)
                ? ApiReply.Ok("Command help", Describe(command))
                : ApiReply.Fail($"Unknown command: {CommandParser.Shorten(only)}; try: help"));
        }

        var list = new JsonArray();
        foreach (var command in registry.Commands)
            list.Add(Describe(command));
        return ValueTask.FromResult(ApiReply.Ok("Available commands", list));
    }

    private static JsonObject Describe(IApiCommand command)
    {
        var parameters = new JsonArray();
        foreach (var p in command.Parameters)
        {
            parameters.Add(new JsonObject
            {
                ["name"] = p.Name,
                ["mandatory"] = p.Mandatory,
                ["default"] = p.Default,
                ["description"] = p.Description,
            });
        }

        return new JsonObject
        {
            ["command"] = command.Name,
            ["description"] = command.Description,
            ["parameters"] = parameters,
        };
    }
}
