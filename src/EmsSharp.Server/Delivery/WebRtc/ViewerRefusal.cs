namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The <c>reason</c> of a <c>connectivityError</c> (ours, beside PROTOCOL.md's <c>status</c> and <c>description</c>):
/// what kind of end it is, so that a WHEP endpoint, direct or on the ERS, answers with the matching HTTP status.
/// </summary>
internal static class ViewerRefusal
{
    /// <summary>The stream is not on the server (HTTP 404).</summary>
    public const string NotFound = "notFound";

    /// <summary>The viewer's offer, answer or transport cannot be served (HTTP 406 for an offer).</summary>
    public const string NotAcceptable = "notAcceptable";

    /// <summary>The server cannot take viewers now (HTTP 503).</summary>
    public const string Unavailable = "unavailable";

    /// <summary>A WHIP publisher's stream name is published by another publisher (HTTP 409).</summary>
    public const string Conflict = "conflict";

    /// <summary>Anything else that failed (HTTP 500 before an answer).</summary>
    public const string Failed = "failed";

    /// <summary>Not a failure: the media ended (the stream closed).</summary>
    public const string Ended = "ended";
}
