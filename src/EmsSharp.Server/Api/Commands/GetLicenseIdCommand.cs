namespace EmsSharp.Server.Api.Commands;

/// <summary><c>getLicenseId</c>: EmsSharp needs no licence; SUCCESS says so (a script that checks its status goes on).</summary>
internal sealed class GetLicenseIdCommand : IApiCommand
{
    public string Name => "getLicenseId";

    public bool ChangesState => false;

    public string Description => "Says that EmsSharp needs no licence (data null)";

    public IReadOnlyList<CommandParameter> Parameters { get; } = [];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ApiReply.Ok("EmsSharp needs no licence"));
}
