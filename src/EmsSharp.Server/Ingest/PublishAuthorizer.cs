using System.Diagnostics.CodeAnalysis;
using System.Net;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Security;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Who may publish what over RTMP and RTSP, and who holds a live name (ours; nginx-rtmp's <c>allow publish</c> and
/// <c>on_publish</c>, MediaMTX's per-path credentials and <c>overridePublisher</c>). With no
/// <see cref="IngestOptions.PublishKeys"/>, <see cref="IngestOptions.PublishUsers"/> or
/// <see cref="IngestOptions.PublishCallback"/> anyone may publish any valid free name, as EvoStream did. With keys or
/// users, a publisher presents a key (<c>name?key=...</c>), a user and password (<c>name?user=...&amp;pass=...</c>) or,
/// over RTSP, a Digest answer; the entry of the name (else of <c>*</c>) must match. With a callback, the endpoint has the
/// last word. A granted publisher whose name is live takes it over when it presented the same credentials as the holder.
/// </summary>
internal sealed class PublishAuthorizer : IDisposable
{
    private const int MaxQueryLength = 1024;

    private readonly IngestOptions _options;
    private readonly StreamHub _hub;
    private readonly PublishCallback? _callback;
    private readonly Dictionary<string, (LiveStream Stream, string? Credential)> _holders = new(StringComparer.Ordinal);

    public PublishAuthorizer(IOptions<IngestOptions> options, StreamHub hub, TimeProvider time)
    {
        _options = options.Value;
        _hub = hub;
        _callback = string.IsNullOrEmpty(_options.PublishCallback.Url) ? null : new PublishCallback(_options.PublishCallback, time);
    }

    private volatile bool _enforced = true;

    /// <summary>The hub whose names it hands out (RTMP players find their streams there too).</summary>
    public StreamHub Hub => _hub;

    /// <summary>True when nothing is required to publish (the server warns at start).</summary>
    public bool IsOpen => !_enforced || !IsConfigured;

    /// <summary>True when keys, users or a callback are configured: something to enforce.</summary>
    public bool IsConfigured => _options.PublishKeys.Count > 0 || _options.PublishUsers.Count > 0 || _callback is not null;

    /// <summary>
    /// Whether the configured keys, users and callback are checked (<c>setAuthentication</c>; on at every start). Off,
    /// anyone may publish any valid free name and nobody takes a name over, as with nothing configured.
    /// </summary>
    public bool Enforced
    {
        get => _enforced;
        set => _enforced = value;
    }

    /// <summary>
    /// Decides one publish. The stream name is always the part of <see cref="PublishRequest.Requested"/> before the
    /// query; the decision's reason says in plain words why a publish is refused.
    /// </summary>
    public async Task<PublishDecision> AuthorizeAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        var (name, query) = StreamKeys.Split(request.Requested);
        if (!StreamName.IsValid(name, out var invalid))
        {
            return PublishDecision.Refuse(name, invalid);
        }

        if (query.Length > MaxQueryLength)
        {
            return PublishDecision.Refuse(name, $"the publish query is longer than {MaxQueryLength} characters");
        }

        if (!_enforced)
        {
            return new PublishDecision(true, name, string.Empty, null);
        }

        string? credential = null;
        if (_options.PublishKeys.Count > 0 || _options.PublishUsers.Count > 0)
        {
            var checkedCredentials = CheckCredentials(name, query, request.Presented);
            if (!checkedCredentials.Allowed)
            {
                return checkedCredentials;
            }

            credential = checkedCredentials.Credential;
        }

        if (_callback is not null)
        {
            var (allowed, reason) = await _callback.AskAsync(request, name, query, cancellationToken).ConfigureAwait(false);
            if (!allowed)
            {
                return PublishDecision.Refuse(name, reason);
            }

            credential ??= "callback " + query;
        }

        return new PublishDecision(true, name, string.Empty, credential);
    }

    /// <summary>True when the granted name is live and <see cref="TryPublish"/> would not take it over.</summary>
    public bool IsHeldByAnother(PublishDecision decision) => _hub.TryGetStream(decision.Name, out _) && !CanTakeOver(decision, out _);

    /// <summary>
    /// Publishes a granted name into the hub. When the name is live and its holder presented the same credentials
    /// (with <see cref="IngestOptions.OverridePublisher"/>), the holder's stream is ended first, which closes its
    /// connection; pulls and file sources are never taken over.
    /// </summary>
    public bool TryPublish(PublishDecision decision, StreamOrigin origin, [NotNullWhen(true)] out LiveStream? stream, out bool tookOver)
    {
        tookOver = false;
        if (!_hub.TryPublish(decision.Name, out stream, origin))
        {
            if (!CanTakeOver(decision, out var holder))
            {
                return false;
            }

            holder.Dispose();
            tookOver = true;
            if (!_hub.TryPublish(decision.Name, out stream, origin))
            {
                return false; // another publisher was faster
            }
        }

        lock (_holders)
        {
            _holders[decision.Name] = (stream, decision.Credential);
        }

        _ = stream.Completion.ContinueWith(
            static (_, state) =>
            {
                var (holders, ended) = ((Dictionary<string, (LiveStream Stream, string? Credential)>, LiveStream))state!;
                lock (holders)
                {
                    if (holders.TryGetValue(ended.Name, out var held) && ReferenceEquals(held.Stream, ended))
                    {
                        holders.Remove(ended.Name);
                    }
                }
            },
            (_holders, stream), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    public void Dispose() => _callback?.Dispose();

    private bool CanTakeOver(PublishDecision decision, [NotNullWhen(true)] out LiveStream? holder)
    {
        holder = null;
        if (!_options.OverridePublisher || decision.Credential is null)
        {
            return false;
        }

        lock (_holders)
        {
            if (_holders.TryGetValue(decision.Name, out var held) && held.Credential == decision.Credential && !held.Stream.IsClosed)
            {
                holder = held.Stream;
            }
        }

        return holder is not null;
    }

    private PublishDecision CheckCredentials(string name, string query, PresentedCredentials? presented)
    {
        var hasUser = StreamKeys.TryGetSecret(_options.PublishUsers, name, out var userEntry);
        var hasKey = StreamKeys.TryGetSecret(_options.PublishKeys, name, out var key);
        if (!hasUser && !hasKey)
        {
            return PublishDecision.Refuse(name, $"no publish credentials are configured for stream {name}");
        }

        presented ??= FromQuery(query);
        if (presented is null)
        {
            return PublishDecision.Refuse(name, "publish credentials are required (name?key=..., name?user=...&pass=..., or RTSP Digest)") with
            {
                CredentialsMissing = true,
            };
        }

        if (hasUser)
        {
            var colon = userEntry.IndexOf(':', StringComparison.Ordinal);
            var user = userEntry[..colon];
            if (presented.User == user && presented.Matches(userEntry[(colon + 1)..]))
            {
                return new PublishDecision(true, name, string.Empty, $"user {EntryOf(_options.PublishUsers, name)} {user}");
            }
        }

        return hasKey && presented.Matches(key)
            ? new PublishDecision(true, name, string.Empty, "key " + EntryOf(_options.PublishKeys, name))
            : PublishDecision.Refuse(name, "wrong publish key or user/password");
    }

    private static PresentedCredentials? FromQuery(string query)
    {
        if (StreamKeys.QueryValue(query, "key") is { } key)
        {
            return new PresentedCredentials(null, expected => StreamKeys.SecretEquals(key, expected));
        }

        return StreamKeys.QueryValue(query, "pass") is { } password
            ? new PresentedCredentials(StreamKeys.QueryValue(query, "user"), expected => StreamKeys.SecretEquals(password, expected))
            : null;
    }

    private static string EntryOf(Dictionary<string, string> entries, string name) => entries.ContainsKey(name) ? name : StreamKeys.AnyName;
}

/// <summary>One publish to decide: the protocol (<c>RTMP</c>, <c>RTSP</c>), what was asked for (<c>name?query</c>), from where.</summary>
/// <param name="Protocol">The ingest protocol, for logs and the callback.</param>
/// <param name="Requested">The stream name with its query (<c>cam1?key=...</c>).</param>
/// <param name="Remote">The publisher's address.</param>
/// <param name="App">The RTMP application, if any.</param>
/// <param name="Presented">Credentials presented outside the query (RTSP Digest), if any.</param>
internal sealed record PublishRequest(string Protocol, string Requested, EndPoint? Remote, string? App = null, PresentedCredentials? Presented = null);

/// <summary>Credentials a publisher presented: a user name (if any) and a check of a candidate password or key.</summary>
/// <param name="User">The user name, or null with a bare key.</param>
/// <param name="Matches">True when the presented secret is the given one (constant time, or a Digest verification).</param>
internal sealed record PresentedCredentials(string? User, Func<string, bool> Matches);

/// <summary>A publish decision.</summary>
/// <param name="Allowed">Whether the publish may go ahead.</param>
/// <param name="Name">The stream name (before the query).</param>
/// <param name="Reason">Why it was refused, in plain words; empty when allowed.</param>
/// <param name="Credential">Which credential admitted it (for takeover by the same credential), or null.</param>
internal sealed record PublishDecision(bool Allowed, string Name, string Reason, string? Credential)
{
    /// <summary>True when the publisher presented nothing at all (RTSP answers with a Digest challenge).</summary>
    public bool CredentialsMissing { get; init; }

    public static PublishDecision Refuse(string name, string reason) => new(false, name, reason, null);
}
