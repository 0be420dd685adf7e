using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EmsSharp.Server.Api;

/// <summary>
/// The HTTP API (PROTOCOL.md §1.1): <c>GET /&lt;command&gt;?params=&lt;base64("k1=v1 k2=v2")&gt;</c>, or plain
/// query parameters (ours), answered with the JSON envelope; <c>POST</c> with the same parameters in the query or a
/// form body. Optional HTTP Basic auth (RFC 7617). <see cref="HttpRequestGuard"/> refuses web pages and DNS rebinding.
/// </summary>
internal sealed partial class HttpApiEndpoint(
    CommandRegistry registry, IOptions<EmsOptions> options, IHostApplicationLifetime lifetime, ILogger<HttpApiEndpoint> logger)
{
    private const int MaxParamsLength = 64 * 1024;

    private readonly HttpRequestGuard _guard = new(options.Value.Api.Http);

    public async Task HandleAsync(HttpContext context)
    {
        var api = options.Value.Api;
        var httpRequest = context.Request;
        if (_guard.CheckCaller(httpRequest) is { } refused)
        {
            await RefuseAsync(context, refused).ConfigureAwait(false);
            return;
        }

        var origin = httpRequest.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            // An allowed origin's page may read the reply (CORS); the guard refused every other origin.
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.Vary = "Origin";
        }

        if (!string.IsNullOrEmpty(api.Username) && !IsAuthorized(httpRequest, api.Username, api.Password ?? ""))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"ems\", charset=\"UTF-8\"";
            await WriteAsync(context, ApiReply.Fail("Authentication required")).ConfigureAwait(false);
            return;
        }

        var command = httpRequest.RouteValues["command"] as string;
        if (command is not null && registry.TryGet(command, out var known) && _guard.CheckMethod(httpRequest, known) is { } wrongMethod)
        {
            if (wrongMethod.StatusCode == StatusCodes.Status405MethodNotAllowed)
                context.Response.Headers.Allow = HttpMethods.Post;
            await RefuseAsync(context, wrongMethod).ConfigureAwait(false);
            return;
        }

        IFormCollection form;
        try
        {
            form = httpRequest.HasFormContentType ? await httpRequest.ReadFormAsync(context.RequestAborted).ConfigureAwait(false) : FormCollection.Empty;
        }
        catch (InvalidDataException ex)
        {
            await WriteAsync(context, EmsMetrics.Count(ApiReply.Fail("Invalid form body: " + ex.Message))).ConfigureAwait(false);
            return;
        }

        var session = new CommandSession(ApiTransport.Http);
        var reply = TryBuildRequest(command, [.. httpRequest.Query, .. form], out var request, out var error)
            ? await registry.ExecuteAsync(request, session, context.RequestAborted).ConfigureAwait(false)
            : EmsMetrics.Count(ApiReply.Fail(error));
        if (session.ShutdownRequested)
            context.Response.OnCompleted(() => { lifetime.StopApplication(); return Task.CompletedTask; });
        await WriteAsync(context, reply).ConfigureAwait(false);
    }

    /// <summary>Answers anything that is not <c>GET</c> or <c>POST /&lt;command&gt;</c>.</summary>
    public static Task HandleFallbackAsync(HttpContext context) =>
        WriteAsync(context, ApiReply.Fail("Use GET /<command>?params=<base64 of \"key=value ...\"> or GET /<command>?key=value&... (or POST); try GET /help"));

    private async Task RefuseAsync(HttpContext context, HttpRefusal refusal)
    {
        LogRefused(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress, refusal.Reason);
        context.Response.StatusCode = refusal.StatusCode;
        await WriteAsync(context, EmsMetrics.Count(ApiReply.Fail(refusal.Reason))).ConfigureAwait(false);
    }

    private static bool TryBuildRequest(
        string? command, IEnumerable<KeyValuePair<string, StringValues>> query, out CommandRequest request, out string error)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "HTTP API: refused {Method} {Path} from {Remote}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, System.Net.IPAddress? remote, string reason);
}
