using System.Diagnostics;

namespace EmsSharp.Interop.Tests;

/// <summary>
/// A long-running child process (a server). Its stdout and stderr go to a ring buffer of recent lines for failure
/// messages; readiness is awaited on a log line, never on a fixed sleep. Dispose kills it and its children.
/// </summary>
internal sealed class LoggedProcess : IDisposable
{
    private const int Capacity = 400;

    private readonly Process _process;
    private readonly Queue<(DateTime At, string Line)> _lines = new();
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _waiters = [];

    private LoggedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>The process id (to signal it: SIGSTOP, SIGCONT).</summary>
    public int Id => _process.Id;

    /// <summary>Starts <paramref name="info"/> (its output redirected here) as <paramref name="name"/>.</summary>
    public static LoggedProcess Start(string name, ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new LoggedProcess(name, process);
        process.OutputDataReceived += (_, e) => result.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => result.OnLine(e.Data);
        process.Exited += (_, _) => result.OnExited();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> was printed (also before this call); returns it.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            foreach (var (_, line) in _lines)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                    return line;
            }

            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before printing \"{text}\":\n{TailLocked(40)}");
            _waiters.Add((text, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not print \"{text}\" within {timeout}:\n{Tail(40)}");
        }
    }

    /// <summary>The last <paramref name="count"/> lines the process printed.</summary>
    public string Tail(int count)
    {
        lock (_lines)
            return TailLocked(count);
    }

    public void Dispose() => _process.KillAndDispose();

    private string TailLocked(int count) =>
        string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)).Select(l => $"{Name}| {l.At:HH:mm:ss.fff} {l.Line}"));

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_lines)
        {
            _lines.Enqueue((DateTime.UtcNow, line));
            while (_lines.Count > Capacity)
                _lines.Dequeue();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void OnExited()
    {
        lock (_lines)
        {
            foreach (var (text, seen) in _waiters)
                seen.TrySetException(new InvalidOperationException($"{Name} exited before printing \"{text}\":\n{TailLocked(40)}"));
            _waiters.Clear();
        }
    }
}
