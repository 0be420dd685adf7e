namespace EmsSharp.Server.Delivery;

/// <summary>
/// One stream alias (shared/EVOSTREAM-API.md §4, Aliases): <see cref="AliasName"/> plays <see cref="LocalStreamName"/>.
/// <see cref="ExpirePeriod"/> is EvoStream's: negative, one-shot and usable within its absolute value in seconds;
/// 0, never expires; positive, reusable for that many seconds. A class, not a record: <see cref="StreamAliases"/> tells
/// entries apart by identity, so a viewer never consumes an alias that was replaced under the same name meanwhile.
/// </summary>
internal sealed class StreamAlias(string aliasName, string localStreamName, long expirePeriod, DateTimeOffset createdAt, long createdTimestamp)
{
    public string AliasName { get; } = aliasName;

    public string LocalStreamName { get; } = localStreamName;

    /// <summary>Seconds, as given to <c>addStreamAlias</c>.</summary>
    public long ExpirePeriod { get; } = expirePeriod;

    /// <summary>Wall-clock creation time, for <c>listStreamAliases</c>' <c>creationTime</c> (unix seconds).</summary>
    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>Monotonic creation time (<see cref="TimeProvider.GetTimestamp"/>): expiry is measured from it.</summary>
    public long CreatedTimestamp { get; } = createdTimestamp;

    /// <summary>Consumed by the first viewer that uses it.</summary>
    public bool OneShot => ExpirePeriod < 0;

    /// <summary>Never expires (it stays until removed or flushed).</summary>
    public bool Permanent => ExpirePeriod == 0;

    /// <summary>Whether the alias's time is up at monotonic time <paramref name="now"/>.</summary>
    public bool IsExpired(TimeProvider time, long now) =>
        !Permanent && time.GetElapsedTime(CreatedTimestamp, now) >= TimeSpan.FromSeconds(Math.Abs(ExpirePeriod));
}
