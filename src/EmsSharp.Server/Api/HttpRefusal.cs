namespace EmsSharp.Server.Api;

/// <summary>Why <see cref="HttpRequestGuard"/> refused a request: the HTTP status and the FAIL description.</summary>
internal sealed record HttpRefusal(int StatusCode, string Reason);
