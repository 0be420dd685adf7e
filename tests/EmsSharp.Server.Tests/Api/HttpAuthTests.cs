using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace EmsSharp.Server.Tests.Api;

public sealed class HttpAuthTests
{
    [Fact]
    public async Task Basic_auth_is_required_when_configured()
    {
        await using var ems = await TestEms.StartAsync(configure: o =>
        {
            o.Api.Username = "admin";
            o.Api.Password = "s3cret";
        });
        try
        {
            using var anonymous = await ems.Http.GetAsync(new Uri("version", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("FAIL", Envelope.Parse(await anonymous.Content.ReadAsStringAsync()).Status());

            using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("version", UriKind.Relative));
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:nope")));
            using var wrongResponse = await ems.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);

            using var right = new HttpRequestMessage(HttpMethod.Get, new Uri("version", UriKind.Relative));
            right.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:s3cret")));
            using var rightResponse = await ems.Http.SendAsync(right);
            Assert.Equal(HttpStatusCode.OK, rightResponse.StatusCode);
            Assert.Equal("SUCCESS", Envelope.Parse(await rightResponse.Content.ReadAsStringAsync()).Status());
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }
}
