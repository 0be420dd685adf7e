namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>setLogLevel level=N</c>: the server's default log level at run time, on EvoStream's scale (RMS: 0 fatal, 1 error,
/// 2 warning, 3 info, 4 debug, 5 fine, 6 finest; -1 off; 7 is accepted as finest, as EvoStream's help allows 0..7).
/// Categories with a level of their own in the configuration keep it. Not saved: a restart reads the configuration again.
/// </summary>
internal sealed class SetLogLevelCommand(LogLevelSwitch levels) : IApiCommand
{
    public string Name => "setLogLevel";

    public bool ChangesState => true;

    public string Description => "Sets the default log level until restart: -1 off, 0 fatal, 1 error, 2 warning, 3 info, 4 debug, 5-7 trace";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("level", ParameterKind.Integer, true, null, "-1 to 7, EvoStream's scale"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var level = arguments.GetInt64("level")!.Value;
        if (level is < -1 or > 7)
        {
            return ValueTask.FromResult(ApiReply.Fail("Syntax error. Parameter level is invalid. Range: -1 - 7"));
        }

        levels.Set(level switch
        {
            -1 => LogLevel.None,
            0 => LogLevel.Critical,
            1 => LogLevel.Error,
            2 => LogLevel.Warning,
            3 => LogLevel.Information,
            4 => LogLevel.Debug,
            _ => LogLevel.Trace,
        });
        return ValueTask.FromResult(ApiReply.Ok("Log level is set"));
    }
}
