using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>version</c>: the server's release.</summary>
internal sealed class VersionCommand(IOptions<EmsOptions> options) : IApiCommand
{
    private static readonly string Release =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionCommand).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public string Name => "version";

    public bool ChangesState => false;

    public string Description => "Shows the server version";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiReply.Ok("Version", new JsonObject
        {
            ["banner"] = "EmsSharp " + Release,
            ["codeName"] = "EmsSharp",
            ["name"] = options.Value.ServerName,
            ["releaseNumber"] = Release,
        }));
}
