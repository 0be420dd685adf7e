using System.Globalization;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Identity;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api.Commands;

/// <summary><c>startWebrtc</c> (PROTOCOL.md §1.5): creates a WebRTC negotiation service for an ERS room.</summary>
internal sealed class StartWebrtcCommand(WebRtcServiceManager manager, DtlsIdentity identity, IOptions<EmsOptions> options) : IApiCommand
{
    public string Name => "startWebrtc";

    public bool ChangesState => true;

    public string Description => "Starts a WebRTC signalling client to an ERS and waits in a room for browsers";

    public IReadOnlyList<CommandParameter> Parameters { get; } =
    [
        new("ersIp", ParameterKind.ErsAddressList, true, null,
            "IP address or host name of the ERS, or a comma-separated list of up to 8 (host, host:port or [ipv6]:port) tried in turn"),
        new("ersPort", ParameterKind.Port, true, null, "port of the ERS (1..65535), for the ersIp entries without one"),
        new("roomId", ParameterKind.Name, true, null, "room name, unique within that ERS"),
        new("token", ParameterKind.OptionalName, false, "", "the ERS's EMS token, where the ERS demands one"),
        new("keepAlive", ParameterKind.Boolean, false, "true", "reconnect after any disconnect and persist the configuration"),
        new("ersOverSsl", ParameterKind.Boolean, false, null, "connect with TLS (wss://); default from the server configuration"),
    ];

    public ValueTask<ApiReply> ExecuteAsync(CommandArguments arguments, CommandSession session, CancellationToken cancellationToken)
    {
        var ersIp = arguments.GetString("ersIp")!;
        var ersPort = (int)arguments.GetInt64("ersPort")!.Value;
        var roomId = arguments.GetString("roomId")!;
        var token = arguments.GetString("token")!;
        var keepAlive = arguments.GetBoolean("keepAlive")!.Value;
        var ersOverSsl = arguments.GetBoolean("ersOverSsl") ?? options.Value.ErsOverSsl;
        var name = options.Value.ServerName;

        var service = manager.TryStart(ersIp, ersPort, roomId, keepAlive, id => new WebRtcServiceConfiguration(
            id, ersIp, ersPort, roomId, token, keepAlive, ersOverSsl, name, identity.CertificatePath, identity.KeyPath),
            out var existing);
        if (service is null)
        {
            return ValueTask.FromResult(ApiReply.Fail(string.Create(CultureInfo.InvariantCulture,
                $"Room {roomId} on ersip={ersIp} ersport={ersPort} is already started by configId {existing}; stop it first (stopWebrtc roomid={roomId} or removeConfig id={existing})")));
        }

        return ValueTask.FromResult(ApiReply.Ok("Started WebRTC Negotiation Service", service.Configuration.ToJson()));
    }
}
