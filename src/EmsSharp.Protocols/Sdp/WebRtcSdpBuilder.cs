using System.Globalization;

namespace EmsSharp.Protocols.Sdp;

/// <summary>Builds the server's offers and answers (JSEP subset: BUNDLE, rtcp-mux, trickle, DTLS-SRTP).</summary>
public static class WebRtcSdpBuilder
{
    private const string RtpProfile = "UDP/TLS/RTP/SAVPF";
    private const string SctpProfile = "UDP/DTLS/SCTP";
    private const string H264Fmtp = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";

    /// <summary>Creates the server's offer; mids are 0, 1, 2 in the order video, audio, data.</summary>
    public static SdpSessionDescription CreateOffer(WebRtcOfferOptions options, SdpLocalParameters local,
        ulong sessionId)
    {
        var sdp = NewSession(sessionId);
        var mids = new List<string>();
        if (options.Video)
        {
            sdp.Media.Add(CreateVideo(mids.Count.ToString(CultureInfo.InvariantCulture), [WebRtcPayloadTypes.H264],
                "sendonly", options, local, null));
            mids.Add(sdp.Media[^1].Mid!);
        }

        if (options.Audio)
        {
            sdp.Media.Add(CreateAudio(mids.Count.ToString(CultureInfo.InvariantCulture),
                [WebRtcPayloadTypes.Opus, WebRtcPayloadTypes.Pcmu, WebRtcPayloadTypes.Pcma], "sendonly", options, local,
                null));
            mids.Add(sdp.Media[^1].Mid!);
        }

        if (options.DataChannel)
        {
            sdp.Media.Add(CreateApplication(mids.Count.ToString(CultureInfo.InvariantCulture), options, local));
            mids.Add(sdp.Media[^1].Mid!);
        }

        if (mids.Count == 0)
        {
            throw new ArgumentException("The offer needs at least one m-section.", nameof(options));
        }

        AddSessionAttributes(sdp, mids, options);
        return sdp;
    }

    /// <summary>
    /// True when <see cref="CreateAnswer"/> would accept at least one m-section of <paramref name="offer"/> with
    /// <paramref name="options"/>: an answer that rejects everything carries nothing.
    /// </summary>
    public static bool CanAnswer(WebRtcRemoteDescription offer, WebRtcOfferOptions options)
    {
        for (var i = 0; i < offer.Media.Count; i++)
        {
            if (Accepts(offer.Media[i], offer.Sdp.Media[i], options))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Answers a browser's offer (RFC 3264 §6): H.264 pm=1 video, Opus/PCMU/PCMA audio and data channels are
    /// accepted where <paramref name="options"/> has them, with the server only sending media; anything else is
    /// rejected with port 0.
    /// </summary>
    public static SdpSessionDescription CreateAnswer(WebRtcRemoteDescription offer, WebRtcOfferOptions options,
        SdpLocalParameters local, ulong sessionId)
    {
        var sdp = NewSession(sessionId);
        var mids = new List<string>();
        for (var i = 0; i < offer.Media.Count; i++)
        {
            var remote = offer.Media[i];
            var offered = offer.Sdp.Media[i];
            var mid = remote.Mid ?? i.ToString(CultureInfo.InvariantCulture);
            var direction = AnswerDirection(remote.Direction, options.Receives);
            SdpMediaDescription? answer = null;
            if (Accepts(remote, offered, options))
            {
                answer = remote.Kind switch
                {
                    "video" => CreateVideo(mid, [SelectH264(remote)!.Value], direction, options, local, remote),
                    "audio" => CreateAudio(mid, [FindAudio(remote, options.AudioEncoding)!.Value], direction, options, local, remote),
                    _ => CreateApplication(mid, options, local),
                };
            }

            if (answer is null)
            {
                // RFC 3264 §6: reject with port 0, same formats.
                answer = new SdpMediaDescription(offered.Media, 0, offered.Protocol, offered.Formats);
                answer.AddAttribute("mid", mid);
            }
            else
            {
                mids.Add(mid);
            }

            sdp.Media.Add(answer);
        }

        AddSessionAttributes(sdp, mids, options);
        return sdp;
    }

    private static bool Accepts(WebRtcRemoteMedia remote, SdpMediaDescription offered, WebRtcOfferOptions options) =>
        remote.Accepted && (!options.Receives || remote.Direction is "sendonly" or "sendrecv") && remote.Kind switch
        {
            "video" => options.Video && SelectH264(remote) is not null,
            "audio" => options.Audio && FindAudio(remote, options.AudioEncoding) is not null,
            "application" => options.DataChannel && offered.Protocol.Contains("SCTP", StringComparison.Ordinal),
            _ => false,
        };

    private static SdpSessionDescription NewSession(ulong sessionId)
    {
        var sdp = new SdpSessionDescription();
        sdp.Lines.Add(new SdpLine('v', "0"));
        sdp.Lines.Add(new SdpLine('o', "- " + sessionId.ToString(CultureInfo.InvariantCulture) + " 2 IN IP4 127.0.0.1"));
        sdp.Lines.Add(new SdpLine('s', "-"));
        sdp.Lines.Add(new SdpLine('t', "0 0"));
        return sdp;
    }

    private static void AddSessionAttributes(SdpSessionDescription sdp, List<string> mids, WebRtcOfferOptions options)
    {
        if (mids.Count > 0)
        {
            // RFC 8843 §7: one transport for all bundled m-sections.
            sdp.Lines.Add(new SdpLine('a', "group:BUNDLE " + string.Join(' ', mids)));
        }

        sdp.Lines.Add(new SdpLine('a', "msid-semantic: WMS " + options.StreamId));
    }

    /// <summary>
    /// The ICE part of a local description as an <c>application/trickle-ice-sdpfrag</c> body (RFC 8840 §9, RFC 9725
    /// §4.3.3's answer to an ICE restart): the BUNDLE group, then the bundle-tagged (first accepted) m-section's m= line
    /// with only its mid, ice-ufrag, ice-pwd and candidates, which every bundled section shares (RFC 8843 §7).
    /// </summary>
    /// <exception cref="ArgumentException">No m-section of <paramref name="description"/> carries ICE credentials.</exception>
    public static string CreateIceFragment(SdpSessionDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var tagged = description.Media.Find(static m => m.GetAttribute("ice-ufrag") is not null)
            ?? throw new ArgumentException("No m-section has ICE credentials.", nameof(description));
        var fragment = new SdpSessionDescription();
        fragment.Lines.AddRange(description.Lines.FindAll(static l => l.Type == 'a' && l.AttributeName == "group"));
        var section = new SdpMediaDescription(tagged.Media, tagged.Port, tagged.Protocol, tagged.Formats);
        section.Lines.AddRange(tagged.Lines.FindAll(static l =>
            l.Type == 'a' && l.AttributeName is "mid" or "ice-ufrag" or "ice-pwd" or "candidate"));
        fragment.Media.Add(section);
        return fragment.ToString();
    }

    private static SdpMediaDescription NewSection(string kind, string protocol, IEnumerable<string> formats, string mid,
        SdpLocalParameters local)
    {
        var m = new SdpMediaDescription(kind, 9, protocol, formats);
        m.Lines.Add(new SdpLine('c', "IN IP4 0.0.0.0"));
        // RFC 8839 §5.4, RFC 8840 §4.1.1 (trickle), RFC 8122 §5, RFC 5763 §5.
        m.AddAttribute("ice-ufrag", local.IceUfrag);
        m.AddAttribute("ice-pwd", local.IcePassword);
        m.AddAttribute("ice-options", "trickle");
        m.AddAttribute("fingerprint", "sha-256 " + local.Fingerprint);
        m.AddAttribute("setup", local.Setup);
        m.AddAttribute("mid", mid);
        foreach (var c in local.Candidates)
        {
            m.Lines.Add(new SdpLine('a', c.ToString()));
        }

        return m;
    }

    private static SdpMediaDescription CreateVideo(string mid, int[] payloadTypes, string direction,
        WebRtcOfferOptions options, SdpLocalParameters local, WebRtcRemoteMedia? offered)
    {
        var pt = payloadTypes[0].ToString(CultureInfo.InvariantCulture);
        var m = NewSection("video", RtpProfile, [pt], mid, local);
        AddRtpCommon(m, direction, options.VideoSsrc, "video", options, offered);
        m.AddAttribute("rtpmap", pt + " H264/90000");
        m.AddAttribute("rtcp-fb", pt + " goog-remb");
        m.AddAttribute("rtcp-fb", pt + " transport-cc");
        m.AddAttribute("rtcp-fb", pt + " ccm fir");
        m.AddAttribute("rtcp-fb", pt + " nack");
        m.AddAttribute("rtcp-fb", pt + " nack pli");
        m.AddAttribute("fmtp", pt + " " + H264Fmtp);
        AddSsrc(m, direction, options.VideoSsrc, "video", options);
        return m;
    }

    private static SdpMediaDescription CreateAudio(string mid, int[] payloadTypes, string direction,
        WebRtcOfferOptions options, SdpLocalParameters local, WebRtcRemoteMedia? offered)
    {
        var formats = new string[payloadTypes.Length];
        for (var i = 0; i < formats.Length; i++)
        {
            formats[i] = payloadTypes[i].ToString(CultureInfo.InvariantCulture);
        }

        var m = NewSection("audio", RtpProfile, formats, mid, local);
        AddRtpCommon(m, direction, options.AudioSsrc, "audio", options, offered);
        foreach (var pt in payloadTypes)
        {
            // An answer echoes the offer's encoding name for the payload type it picked (RFC 3264 §6.1).
            var name = offered?.RtpMaps.GetValueOrDefault(pt) ?? pt switch
            {
                WebRtcPayloadTypes.Opus => "opus/48000/2",
                WebRtcPayloadTypes.Pcmu => "PCMU/8000",
                _ => "PCMA/8000",
            };
            var text = pt.ToString(CultureInfo.InvariantCulture);
            m.AddAttribute("rtpmap", text + " " + name);
            if (name.StartsWith("opus/", StringComparison.OrdinalIgnoreCase))
            {
                m.AddAttribute("fmtp", text + " minptime=10;useinbandfec=1");
            }
        }

        AddSsrc(m, direction, options.AudioSsrc, "audio", options);
        return m;
    }

    private static void AddRtpCommon(SdpMediaDescription m, string direction, uint ssrc, string kind,
        WebRtcOfferOptions options, WebRtcRemoteMedia? offered)
    {
        // RFC 8285 §6: an answer keeps the offer's ids and only extensions the offer has.
        AddExtension(m, WebRtcPayloadTypes.MidExtensionUri, WebRtcPayloadTypes.MidExtensionId, offered);
        AddExtension(m, WebRtcPayloadTypes.AbsSendTimeUri, WebRtcPayloadTypes.AbsSendTimeExtensionId, offered);
        m.AddAttribute(direction);
        if (direction is "sendonly" or "sendrecv")
        {
            m.AddAttribute("msid", options.StreamId + " " + kind + ssrc.ToString(CultureInfo.InvariantCulture));
        }

        m.AddAttribute("rtcp-mux");
        m.AddAttribute("rtcp-rsize");
    }

    private static void AddExtension(SdpMediaDescription m, string uri, int ourId, WebRtcRemoteMedia? offered)
    {
        var id = ourId;
        if (offered is not null && !offered.Extensions.TryGetValue(uri, out id))
        {
            return;
        }

        m.AddAttribute("extmap", id.ToString(CultureInfo.InvariantCulture) + " " + uri);
    }

    private static void AddSsrc(SdpMediaDescription m, string direction, uint ssrc, string kind,
        WebRtcOfferOptions options)
    {
        if (direction is "sendonly" or "sendrecv")
        {
            var s = ssrc.ToString(CultureInfo.InvariantCulture);
            m.AddAttribute("ssrc", s + " cname:" + options.Cname);
            m.AddAttribute("ssrc", s + " msid:" + options.StreamId + " " + kind + s);
        }
    }

    private static SdpMediaDescription CreateApplication(string mid, WebRtcOfferOptions options,
        SdpLocalParameters local)
    {
        var m = NewSection("application", SctpProfile, ["webrtc-datachannel"], mid, local);
        // RFC 8841 §5-6.
        m.AddAttribute("sctp-port", options.SctpPort.ToString(CultureInfo.InvariantCulture));
        m.AddAttribute("max-message-size", options.MaxMessageSize.ToString(CultureInfo.InvariantCulture));
        return m;
    }

    // RFC 3264 §6.1: the answer's direction mirrors the offer's; a receiving answer only receives.
    private static string AnswerDirection(string offered, bool receives) => offered switch
    {
        "sendonly" or "sendrecv" when receives => "recvonly",
        "recvonly" or "sendrecv" => "sendonly",
        "sendonly" => "recvonly",
        _ => "inactive",
    };

    /// <summary>
    /// The H.264 payload type an answer to <paramref name="media"/> takes: packetization-mode=1, Constrained Baseline
    /// 3.1 (42e01f) when offered, else the first packetization-mode=1 one; null when there is none. For a section of an
    /// answer to our offer, the one H.264 payload type in it.
    /// </summary>
    public static int? SelectH264(WebRtcRemoteMedia media)
    {
        int? any = null;
        foreach (var pt in media.PayloadTypes)
        {
            if (!media.RtpMaps.TryGetValue(pt, out var map) ||
                !map.StartsWith("H264/", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var fmtp = media.Fmtps.GetValueOrDefault(pt, string.Empty);
            if (!fmtp.Contains("packetization-mode=1", StringComparison.Ordinal))
            {
                continue;
            }

            if (fmtp.Contains("profile-level-id=42e01f", StringComparison.OrdinalIgnoreCase))
            {
                return pt;
            }

            any ??= pt;
        }

        return any;
    }

    private static int? FindAudio(WebRtcRemoteMedia media, string? encoding)
    {
        foreach (var name in encoding is null ? (ReadOnlySpan<string>)["opus/48000", "PCMU/8000", "PCMA/8000"] : [encoding])
        {
            foreach (var pt in media.PayloadTypes)
            {
                if (media.RtpMaps.TryGetValue(pt, out var map) &&
                    map.StartsWith(name, StringComparison.OrdinalIgnoreCase))
                {
                    return pt;
                }
            }
        }

        return null;
    }
}
