using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Api;

/// <summary>
/// The HTTP API (PROTOCOL.md §1.1): <c>GET /&lt;command&gt;?params=&lt;base64("k1=v1 k2=v2")&gt;</c>, or plain
/// query parameters (ours), answered with the JSON envelope. Optional HTTP Basic auth (RFC 7617).
/// </summary>
internal sealed class HttpApiEndpoint(CommandRegistry registry, IOptions<EmsOptions> options, IHostApplicationLifetime lifetime)
{
    private const int MaxParamsLength = 64 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var api = options.Value.Api;
        if (!string.IsNullOrEmpty(api.Username) && !IsAuthorized(context.Request, api.Username, api.Password ?? ""))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"ems\", charset=\"UTF-8\"";
            await WriteAsync(context, ApiReply.Fail("Authentication required")).ConfigureAwait(false);
            return;
        }

        var command = context.Request.RouteValues["command"] as string;
        var session = new CommandSession(ApiTransport.Http);
        var reply = TryBuildRequest(command, context.Request.Query, out var request, out var error)
            ? await registry.ExecuteAsync(request, session, context.RequestAborted).ConfigureAwait(false)
            : EmsMetrics.Count(ApiReply.Fail(error));
        if (session.ShutdownRequested)
            context.Response.OnCompleted(() => { lifetime.StopApplication(); return Task.CompletedTask; });
        await WriteAsync(context, reply).ConfigureAwait(false);
    }

    /// <summary>Answers anything that is not <c>GET /&lt;command&gt;</c>.</summary>
    public static Task HandleFallbackAsync(HttpContext context) =>
        WriteAsync(context, ApiReply.Fail("Use GET /<command>?params=<base64 of \"key=value ...\"> or GET /<command>?key=value&...; try GET /help"));

    private static bool TryBuildRequest(string? command, IQueryCollection query, out CommandRequest request, out string error)
    {
        request = null!;
        if (string.IsNullOrEmpty(command))
        {
            error = "Missing command; try GET /help";
            return false;
        }

        var arguments = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, values) in query)
        {
            if (key.Equals("params", StringComparison.OrdinalIgnoreCase))
            {
                if (!TryDecodeParams(values.ToString(), arguments, out error))
                    return false;
            }
            else
            {
                arguments[key] = values.ToString();
            }
        }

        request = new CommandRequest(command, arguments);
        error = "";
        return true;
    }

    private static bool TryDecodeParams(string encoded, Dictionary<string, string> arguments, out string error)
    {
        if (encoded.Length > MaxParamsLength)
        {
            error = $"Invalid value for params: longer than {MaxParamsLength} characters";
            return false;
        }

        // Tolerate what URL handling does to base64: '+' decoded to ' ', the URL-safe alphabet, dropped padding.
        var normalized = encoded.Replace(' ', '+').Replace('-', '+').Replace('_', '/').TrimEnd('=');
        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        var bytes = new byte[(normalized.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(normalized, bytes, out var written))
        {
            error = "Invalid value for params: not base64";
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            error = "Invalid value for params: not UTF-8 text";
            return false;
        }

        return CommandParser.TryParseArguments(text, arguments, out error);
    }

    private static bool IsAuthorized(HttpRequest request, string username, string password)
    {
        // RFC 7617 §2: credentials = "Basic" SP base64(user-id ":" password)
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        var expected = Encoding.UTF8.GetBytes(username + ":" + password);
        var buffer = new byte[header.Length];
        if (!Convert.TryFromBase64String(header[6..].Trim(), buffer, out var written))
            return false;
        return CryptographicOperations.FixedTimeEquals(buffer.AsSpan(0, written), expected);
    }

    private static Task WriteAsync(HttpContext context, ApiReply reply)
    {
        var body = ReplyFormatter.ToJsonUtf8(reply);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
