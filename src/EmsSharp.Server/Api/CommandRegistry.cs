using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Api;

/// <summary>
/// The one command registry behind the ASCII CLI, the JSON CLI and the HTTP API: looks a command up,
/// validates its arguments against the declared parameters (PROTOCOL.md §1.2) and runs it.
/// Every command that parses raises <c>cliRequest</c> before it runs and <c>cliResponse</c> with its reply, whatever the
/// transport (shared/EVOSTREAM-API.md §5.3; secrets masked, <see cref="CliEventPayloads"/>).
/// Thread-safe: the table is immutable after construction.
/// </summary>
internal sealed partial class CommandRegistry
{
    private readonly Dictionary<string, IApiCommand> _commands = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger<CommandRegistry> _logger;
    private readonly IEventPublisher? _events;

    public CommandRegistry(IEnumerable<IApiCommand> commands, ILogger<CommandRegistry> logger, IEventPublisher? events = null)
    {
        _logger = logger;
        _events = events;
        foreach (var command in commands)
            _commands.Add(command.Name, command);
        foreach (var (name, why) in EvoStreamCommands.NotYetAnswered)
            _commands.TryAdd(name, new UnavailableCommand(name, why));
        Commands = [.. _commands.Values.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>All commands, sorted by name (for <c>help</c>).</summary>
    public IReadOnlyList<IApiCommand> Commands { get; }

    public bool TryGet(string name, out IApiCommand command) => _commands.TryGetValue(name, out command!);

    /// <summary>Parses and runs a command line (CLI transports).</summary>
    public ValueTask<ApiReply> ExecuteLineAsync(string line, CommandSession session, CancellationToken cancellationToken)
    {
        if (!CommandParser.TryParse(line, out var request, out var error))
            return ValueTask.FromResult(EmsMetrics.Count(ApiReply.Fail(error)));
        return ExecuteAsync(request, session, cancellationToken);
    }

    /// <summary>Validates and runs an already parsed request (all transports end here).</summary>
    public async ValueTask<ApiReply> ExecuteAsync(CommandRequest request, CommandSession session, CancellationToken cancellationToken)
    {
        if (_events?.IsEnabled(EventTypes.CliRequest) == true)
            _events.Publish(EventTypes.CliRequest, CliEventPayloads.Request(request));
        var reply = EmsMetrics.Count(await ExecuteCoreAsync(request, session, cancellationToken).ConfigureAwait(false));
        if (_events?.IsEnabled(EventTypes.CliResponse) == true)
            _events.Publish(EventTypes.CliResponse, CliEventPayloads.Response(reply));
        return reply;
    }

    private async ValueTask<ApiReply> ExecuteCoreAsync(CommandRequest request, CommandSession session, CancellationToken cancellationToken)
    {
        if (!_commands.TryGetValue(request.Name, out var command))
            return ApiReply.Fail($"Unknown command: {CommandParser.Shorten(request.Name)}; try: help");

        if (!TryBind(command, request, out var arguments, out var error))
            return ApiReply.Fail(error);

        try
        {
            var reply = await command.ExecuteAsync(arguments, session, cancellationToken).ConfigureAwait(false);
            return command.AsciiMembers is { } members ? reply with { AsciiMembers = members } : reply;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ApiReply.Fail("The server is shutting down");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Control plane: a failing command is a FAIL for that client, never a dead connection or server.
            LogCommandFailed(_logger, ex, command.Name);
            return ApiReply.Fail($"{command.Name} failed: {ex.Message}");
        }
    }

    private bool TryBind(IApiCommand command, CommandRequest request, out CommandArguments arguments, out string error)
    {
        arguments = null!;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in command.Parameters)
        {
            if (request.Arguments.TryGetValue(parameter.Name, out var raw))
            {
                if (!CommandParser.TryNormalize(parameter.Kind, raw, out var normalized))
                {
                    error = $"Invalid value for {parameter.DisplayName}: {CommandParser.Shorten(raw)} ({CommandParser.Explain(parameter.Kind, raw)})";
                    return false;
                }

                values[parameter.Name] = normalized;
            }
            else if (parameter.Mandatory)
            {
                error = $"Missing mandatory parameter: {parameter.DisplayName}";
                return false;
            }
            else if (parameter.Default is not null)
            {
                values[parameter.Name] = parameter.Default;
            }
        }

        var userVariables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, raw) in request.Arguments)
        {
            if (key.StartsWith('_') && key.Length > 1)
                userVariables[key] = raw;
            else if (!values.ContainsKey(key) && !IsDeclared(command, key))
                LogUnknownParameter(_logger, command.Name, CommandParser.Shorten(key));
        }

        arguments = new CommandArguments(values, userVariables);
        error = "";
        return true;
    }

    private static bool IsDeclared(IApiCommand command, string key)
    {
        foreach (var parameter in command.Parameters)
        {
            if (parameter.Name.Equals(key, StringComparison.OrdinalIgnoreCase))
                return true;
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command {Command}: unknown parameter {Key} ignored")]
    private static partial void LogUnknownParameter(ILogger logger, string command, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command {Command} failed")]
    private static partial void LogCommandFailed(ILogger logger, Exception exception, string command);
}
