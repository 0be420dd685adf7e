using System.Net;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server;

/// <summary>Validates <see cref="EmsOptions"/> at load so a bad configuration stops the start, saying why.</summary>
internal sealed class EmsOptionsValidator : IValidateOptions<EmsOptions>
{
    public ValidateOptionsResult Validate(string? name, EmsOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ServerName))
            errors.Add("ServerName must not be empty.");
        if (string.IsNullOrWhiteSpace(options.DataFolder))
            errors.Add("DataFolder must not be empty.");
        if ((options.SslCert is null) != (options.SslKey is null))
            errors.Add("SslCert and SslKey must be given together (or neither, to generate an identity).");
        ValidateEndpoint(errors, "Api:AsciiCli", options.Api.AsciiCli);
        ValidateEndpoint(errors, "Api:JsonCli", options.Api.JsonCli);
        ValidateEndpoint(errors, "Api:Http", options.Api.Http);
        ValidateEndpoint(errors, "Metrics", options.Metrics);
        if (options.Metrics.MaxConnections is < 1 or > 10_000)
            errors.Add("Metrics:MaxConnections must be 1..10000.");
        if (!options.Api.Http.Enabled)
            errors.Add("Api:Http:Enabled=false is not supported yet (the HTTP API always runs).");
        if (options.Api.MaxLineLength is < 256 or > 16 * 1024 * 1024)
            errors.Add("Api:MaxLineLength must be 256..16777216.");
        if (options.Api.MaxCliConnections is < 1 or > 100_000)
            errors.Add("Api:MaxCliConnections must be 1..100000.");
        if (options.Api.MaxCliConnectionsPerIp is < 1 or > 100_000)
            errors.Add("Api:MaxCliConnectionsPerIp must be 1..100000.");
        if (options.Api.CliIdleTimeout <= TimeSpan.Zero || options.Api.CliIdleTimeout > TimeSpan.FromDays(1))
            errors.Add("Api:CliIdleTimeout must be > 0 and <= 1 day (e.g. 00:05:00).");
        if (options.Api.CliLineTimeout <= TimeSpan.Zero || options.Api.CliLineTimeout > TimeSpan.FromHours(1))
            errors.Add("Api:CliLineTimeout must be > 0 and <= 1 hour (e.g. 00:00:30).");
        if (options.Api.CliPassword is { } password
            && (password.Length == 0 || password.Trim().Length != password.Length || password.AsSpan().IndexOfAny('\r', '\n') >= 0))
            errors.Add("Api:CliPassword must be non-empty, without leading or trailing spaces or line breaks (or unset for no password).");
        if (options.Api.Http.MaxConnections is < 1 or > 100_000)
            errors.Add("Api:Http:MaxConnections must be 1..100000.");
        if (options.Api.Http.MaxConnectionsPerAddress < 1 || options.Api.Http.MaxConnectionsPerAddress > options.Api.Http.MaxConnections)
            errors.Add("Api:Http:MaxConnectionsPerAddress must be 1..Api:Http:MaxConnections.");
        ValidateHttpExposure(errors, options.Api.Http);
        if (string.IsNullOrEmpty(options.Api.Username) != string.IsNullOrEmpty(options.Api.Password))
            errors.Add("Api:Username and Api:Password must be given together.");
        Events.EventOptionsValidation.Validate(options.Events, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateHttpExposure(List<string> errors, Api.HttpEndpointOptions http)
    {
        foreach (var host in http.AllowedHosts)
        {
            if (host != "*" && Uri.CheckHostName(host.TrimEnd('.')) == UriHostNameType.Unknown)
                errors.Add($"Api:Http:AllowedHosts: '{host}' is not a host name (give the name only, no scheme or port; * allows every name).");
        }

        foreach (var origin in http.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.PathAndQuery != "/" || origin.TrimEnd('/').Length != uri.GetLeftPart(UriPartial.Authority).Length)
                errors.Add($"Api:Http:AllowedOrigins: '{origin}' is not an origin like https://ops.example.com or http://10.0.0.5:8080.");
        }
    }

    private static void ValidateEndpoint(List<string> errors, string path, Api.EndpointOptions endpoint)
    {
        if (endpoint.Port is < 0 or > 65535)
            errors.Add($"{path}:Port must be 0..65535 (0 = ephemeral).");
        if (!IPAddress.TryParse(endpoint.BindAddress, out _))
            errors.Add($"{path}:BindAddress '{endpoint.BindAddress}' is not an IP address.");
    }
}
