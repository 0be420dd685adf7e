namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>A command the server sent (<c>_result</c>, <c>_error</c>, <c>onStatus</c>), with its info object's code and description.</summary>
internal sealed record RtmpReply(string Command, double Transaction, string? Code, string? Description);
