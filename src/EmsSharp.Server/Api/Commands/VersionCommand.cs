using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api.Commands;

/// <summary>
/// <c>version</c>: the server's release in EvoStream's members (shared/EVOSTREAM-API.md §4: <c>banner</c>, <c>branchName</c>,
/// <c>buildDate</c>, <c>buildNumber</c> a string, <c>codeName</c>, <c>hash</c>, <c>releaseNumber</c>), and our <c>name</c>.
/// </summary>
internal sealed class VersionCommand(IOptions<EmsOptions> options) : IApiCommand
{
    // "1.2.3+<commit>": the SDK appends the source revision to the informational version.
    private static readonly string Informational =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionCommand).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    private static readonly string Release = Informational.Split('+')[0];

    private static readonly string Hash = Informational.Contains('+', StringComparison.Ordinal) ? Informational[(Informational.IndexOf('+', StringComparison.Ordinal) + 1)..] : "";

    private static readonly string BuildDate = BuiltFile() is { } file
        ? File.GetLastWriteTimeUtc(file).ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture)
        : "";

    public string Name => "version";

    public bool ChangesState => false;

    public string Description => "Shows the server version";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    // EvoStream's ASCII CLI subset (shared/EVOSTREAM-API.md §6): no branchName, hash or name.
    public IReadOnlySet<string>? AsciiMembers { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "releaseNumber", "banner", "buildDate", "buildNumber", "codeName" };

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiReply.Ok("Version", Describe(options.Value)));

    // The file the server was built into: ems.dll beside the host, or in a single-file package (scripts/package), where
    // assemblies have no file of their own, the executable that holds them.
    private static string? BuiltFile()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ems.dll");
        return File.Exists(dll) ? dll : Environment.ProcessPath;
    }

    /// <summary>The version object (also the payload of <c>serverStarted</c>/<c>serverStopping</c>, as EvoStream sends it).</summary>
    public static JsonObject Describe(EmsOptions options) => new()
    {
        ["banner"] = "EmsSharp " + Release,
        ["branchName"] = "",
        ["buildDate"] = BuildDate,
        ["buildNumber"] = "",
        ["codeName"] = "EmsSharp",
        ["hash"] = Hash,
        ["name"] = options.ServerName,
        ["releaseNumber"] = Release,
    };
}
