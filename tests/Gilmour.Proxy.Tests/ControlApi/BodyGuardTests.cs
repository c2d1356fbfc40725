using System.Text;
using Gilmour.ControlApi;
using Gilmour.ControlApi.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>
/// The body check reads a request's whole body once and hands the endpoint a copy; when the request is done the
/// request holds its own body again, so that a keep-alive connection, which keeps its last request, does not keep the
/// copy (a large message's for as long as the connection lives). The checks themselves are covered end to end by
/// BadInputTests.
/// </summary>
public sealed class BodyGuardTests
{
    [Fact]
    public async Task The_endpoint_reads_the_copy_and_the_request_gets_its_own_body_back()
    {
        var (context, original) = Request("""{"topic":"t","message":"x"}""");
        string? read = null;
        Stream? seen = null;
        var guard = new BodyGuard(async http =>
        {
            seen = http.Request.Body;
            read = await new StreamReader(http.Request.Body).ReadToEndAsync();
        }, Options.Create(new ControlApiOptions()));

        await guard.InvokeAsync(context);

        Assert.Equal("""{"topic":"t","message":"x"}""", read);
        Assert.NotSame(original, seen);
        Assert.Same(original, context.Request.Body);
    }

    [Fact]
    public async Task A_refused_body_is_not_kept_either()
    {
        var (context, original) = Request(Encoding.Latin1.GetString([0x7b, 0xff, 0x7d]), Encoding.Latin1);
        var guard = new BodyGuard(_ => throw new InvalidOperationException("the endpoint ran"), Options.Create(new ControlApiOptions()));

        await guard.InvokeAsync(context);

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.Same(original, context.Request.Body);
    }

    private static (DefaultHttpContext Context, Stream Body) Request(string body, Encoding? encoding = null)
    {
        var bytes = (encoding ?? Encoding.UTF8).GetBytes(body);
        var context = new DefaultHttpContext();
        var stream = new MemoryStream(bytes);
        context.Request.Method = "POST";
        context.Request.Body = stream;
        context.Request.ContentLength = bytes.Length;
        context.Request.ContentType = "application/json";
        context.Response.Body = new MemoryStream();
        return (context, stream);
    }
}
