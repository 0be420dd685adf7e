using System.Globalization;
using System.Text;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// docs/OPERATIONS.md's command table is what <c>help</c> answers on a running server: every command, its parameters
/// (mandatory in bold, defaults in parentheses) and its description, row for row. A command added, renamed or described
/// differently fails here until the table says the same.
/// </summary>
public sealed class CommandTableTests
{
    private const string Header = "| command | parameters (mandatory in **bold**, default in parentheses) | what it does |";

    [Fact]
    public async Task The_command_table_in_OPERATIONS_is_the_help_reply()
    {
        await using var ems = await TestEms.StartAsync();
        await using var cli = await ems.ConnectJsonAsync();
        var expected = new StringBuilder();
        foreach (var command in (await cli.JsonAsync("help")).Data().EnumerateArray())
        {
            var parameters = command.GetProperty("parameters").EnumerateArray().Select(p =>
            {
                var name = p.GetProperty("name").GetString()!;
                var text = p.GetProperty("mandatory").GetBoolean() ? $"**{name}**" : name;
                return p.GetProperty("default").GetString() is { } d ? $"{text} ({(d.Length == 0 ? "\"\"" : d)})" : text;
            }).ToList();
            expected.Append(CultureInfo.InvariantCulture,
                $"| `{command.GetProperty("command").GetString()}` | {(parameters.Count == 0 ? "—" : string.Join(", ", parameters))} | {command.GetProperty("description").GetString()} |\n");
        }

        var lines = await File.ReadAllLinesAsync(Path.Combine(RepositoryRoot(), "docs", "OPERATIONS.md"));
        var start = Array.IndexOf(lines, Header);
        Assert.True(start >= 0, "docs/OPERATIONS.md has no command table header: " + Header);
        var rows = lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).Select(l => l + "\n");
        Assert.Equal(expected.ToString(), string.Concat(rows));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EmsSharp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EmsSharp.slnx not found above " + AppContext.BaseDirectory);
    }
}
