using System.Diagnostics;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// A long-running child process inside a network namespace (<c>ip netns exec</c>, which execs the program in
/// place, so the process is the program itself). Its stdout and stderr go to a ring buffer of recent lines for
/// failure messages; readiness is awaited on a log line, never on a fixed sleep. Dispose kills it and its children.
/// </summary>
internal sealed class NamespacedProcess : IDisposable
{
    private const int Capacity = 400;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    private NamespacedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public static NamespacedProcess Start(NetNsTopology topology, string netns, string name, string fileName, IEnumerable<string> arguments)
    {
        var command = topology.Exec(netns).Append(fileName).Concat(arguments).ToList();
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
            info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new NamespacedProcess(name, process);
        process.OutputDataReceived += (_, e) => result.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => result.OnLine(e.Data);
        process.Exited += (_, _) => result.OnExited();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> was printed (also before this call).</summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                return;
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before printing \"{text}\":\n{TailLocked(40)}");
            _waiters.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
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
        string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)).Select(l => Name + "| " + l));

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_lines)
        {
            _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            while (_lines.Count > Capacity)
                _lines.Dequeue();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    _waiters[i].Seen.TrySetResult();
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
