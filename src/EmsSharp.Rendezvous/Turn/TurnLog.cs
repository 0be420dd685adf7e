namespace EmsSharp.Rendezvous.Turn;

/// <summary>Source-generated log messages of the bundled STUN/TURN server.</summary>
internal static partial class TurnLog
{
    [LoggerMessage(20, LogLevel.Information, "STUN/TURN on {Address} udp+tcp; TLS: {Tls}; relay ports {Relays}")]
    public static partial void Started(ILogger logger, string address, string tls, string relays);

    [LoggerMessage(21, LogLevel.Warning, "TURN: no free relay port for {Client}")]
    public static partial void NoRelayPort(ILogger logger, string client);

    [LoggerMessage(22, LogLevel.Debug, "TURN: send failed: {Error}")]
    public static partial void SendFailed(ILogger logger, string error);
}
