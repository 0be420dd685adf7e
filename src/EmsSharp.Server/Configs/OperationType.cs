namespace EmsSharp.Server.Configs;

/// <summary><c>operationType</c> numbers of configurations (PROTOCOL.md §1.4).</summary>
internal enum OperationType
{
    Pull = 1,
    Push = 2,
    Hls = 3,
    Dash = 6,
    Record = 7,
    WebRtc = 9,
}
