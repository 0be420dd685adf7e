using System.Net;
using System.Text;
using EmsSharp.Protocols.Ice;
using EmsSharp.Protocols.Sdp;
using EmsSharp.Protocols.Stun;

namespace EmsSharp.Protocols.Tests.Stun;

/// <summary>
/// Seeded mutation fuzzing of the transport parsers: valid inputs with bytes flipped, truncated or spliced must be
/// accepted or rejected, never throw. Deterministic (fixed seeds), so failures reproduce.
/// </summary>
public sealed class ParserMutationTests
{
    private const int Iterations = 20_000;

    private static byte[] ValidStun()
    {
        var msg = new StunMessage(StunClass.Request, StunMessage.BindingMethod, new byte[12])
        {
            IntegrityKey = Encoding.UTF8.GetBytes("password"),
            AddFingerprint = true,
        };
        msg.AddUsername("abcd:efgh");
        msg.AddUInt32(StunAttributeType.Priority, 1);
        msg.AddUInt64(StunAttributeType.IceControlling, 2);
        msg.AddXorMappedAddress(new IPEndPoint(IPAddress.IPv6Loopback, 9));
        return msg.ToArray();
    }

    [Fact]
    public void Mutated_stun_never_throws()
    {
        var random = new Random(5769);
        var valid = ValidStun();
        var key = Encoding.UTF8.GetBytes("password");
        for (var i = 0; i < Iterations; i++)
        {
            var data = valid.AsSpan(0, random.Next(valid.Length + 1)).ToArray();
            for (var f = random.Next(1, 4); f > 0 && data.Length > 0; f--)
            {
                data[random.Next(data.Length)] = (byte)random.Next(256);
            }

            if (StunMessage.TryRead(data, out var msg, out _))
            {
                StunMessage.VerifyIntegrity(data, msg!, key);
                StunMessage.VerifyFingerprint(data, msg!);
                msg!.TryGetXorMappedAddress(out _);
                msg.TryGetErrorCode(out _, out _);
                msg.GetUsername();
            }

            IceAgent.TryGetRequestUfrag(data, out _);
        }
    }

    [Fact]
    public void Mutated_stun_fed_to_an_agent_never_throws()
    {
        var random = new Random(8445);
        var agent = new IceAgent(IceRole.Controlled, 1, new Random(1));
        agent.SetRemoteCredentials("efgh", "password", TimeSpan.Zero);
        var valid = ValidStun();
        var from = new IPEndPoint(IPAddress.Loopback, 1000);
        for (var i = 0; i < Iterations; i++)
        {
            var data = (byte[])valid.Clone();
            data[random.Next(data.Length)] = (byte)random.Next(256);
            agent.HandleStun(data, from, TimeSpan.FromMilliseconds(i));
            while (agent.TryPollTransmit(out _))
            {
            }
        }
    }

    [Fact]
    public void Mutated_sdp_never_throws()
    {
        var random = new Random(8866);
        var local = new SdpLocalParameters("ufrg", "passwordpasswordpassword", "AA:BB", "actpass",
            [new IceCandidate("h0", 1, 2130706431, "127.0.0.1", 40000, IceCandidateType.Host)]);
        var valid = WebRtcSdpBuilder.CreateOffer(
            new WebRtcOfferOptions { Video = true, Audio = true, DataChannel = true }, local, 1).ToString();
        const string alphabet = " :=/\r\n0123456789amvs-.";
        for (var i = 0; i < Iterations / 4; i++)
        {
            var chars = valid.ToCharArray(0, random.Next(valid.Length + 1));
            for (var f = random.Next(1, 6); f > 0 && chars.Length > 0; f--)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            if (WebRtcRemoteDescription.TryParse(text, out var remote))
            {
                WebRtcSdpBuilder.CreateAnswer(remote!, new WebRtcOfferOptions { Video = true, Audio = true, DataChannel = true }, local with { Setup = "active" }, 2);
            }

            foreach (var line in text.Split('\n'))
            {
                IceCandidate.TryParse(line, out _);
            }
        }
    }
}
