using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EmsSharp.Server;

/// <summary>
/// The default log level set at run time (<c>setLogLevel</c>): a rule added after the configuration's, so it wins over
/// its <c>Default</c> and loses to its per-category levels; the logger factory re-reads the rules when this signals.
/// </summary>
internal sealed class LogLevelSwitch : IConfigureOptions<LoggerFilterOptions>, IOptionsChangeTokenSource<LoggerFilterOptions>
{
    private readonly Lock _gate = new();
    private LogLevel? _level;
    private CancellationTokenSource _changed = new();

    public string? Name => Options.DefaultName;

    public void Set(LogLevel level)
    {
        CancellationTokenSource changed;
        lock (_gate)
        {
            _level = level;
            changed = _changed;
            _changed = new CancellationTokenSource();
        }

        changed.Cancel();
        changed.Dispose();
    }

    public void Configure(LoggerFilterOptions options)
    {
        lock (_gate)
        {
            if (_level is { } level)
            {
                options.Rules.Add(new LoggerFilterRule(null, null, level, null));
            }
        }
    }

    public IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }
}
