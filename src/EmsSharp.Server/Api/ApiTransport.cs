namespace EmsSharp.Server.Api;

/// <summary>The transport a command arrived on.</summary>
internal enum ApiTransport
{
    AsciiCli,
    JsonCli,
    Http,
}
