using Gilmour.ControlApi.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// Refuses, before any endpoint reads it, a body over MaxBodyBytes (413) or that is not JSON (415). A body without
/// a Content-Type is taken as JSON: clients in any language should not need to know our framework's rules.
/// </summary>
/// <remarks>
/// A server that answers 413 and closes with the body unread makes the client's kernel see a reset, which
/// discards the answer: a client still sending gets "broken pipe" instead of the message. So a body up to
/// <see cref="DrainFactor"/> times the limit is read and discarded after the answer (Kestrel drains it when its
/// per-request limit allows), and the limit itself is enforced here while the endpoint reads. Larger bodies still
/// meet Kestrel's hard limit and a closed connection.
/// </remarks>
public sealed class BodyGuard(RequestDelegate next, IOptions<ControlApiOptions> options)
{
    public const int DrainFactor = 4;

    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;
    private readonly long _drainBytes = options.Value.MaxBodyBytes > long.MaxValue / DrainFactor
        ? long.MaxValue
        : options.Value.MaxBodyBytes * DrainFactor;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var kestrelLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (request.ContentLength > _maxBodyBytes)
        {
            if (kestrelLimit is { IsReadOnly: false } && request.ContentLength <= _drainBytes)
                kestrelLimit.MaxRequestBodySize = request.ContentLength;
            await ErrorAnswerMiddleware.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorMapping.TooLarge(_maxBodyBytes));
            return;
        }

        var chunked = request.ContentLength is null && request.Headers.TransferEncoding.Count > 0;
        if (request.ContentLength > 0 || chunked)
        {
            if (string.IsNullOrEmpty(request.ContentType))
                request.ContentType = "application/json";
            else if (!request.HasJsonContentType())
            {
                await ErrorAnswerMiddleware.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType,
                    $"the body must be JSON (Content-Type: application/json), not {request.ContentType}");
                return;
            }
        }

        // Kestrel keeps a connection's last request between requests: a body put in its place would stay referenced
        // by every idle keep-alive connection (a large one for as long as the connection lives).
        var original = request.Body;
        try
        {
            if (chunked && kestrelLimit is { IsReadOnly: false })
            {
                kestrelLimit.MaxRequestBodySize = _drainBytes;
                request.Body = new LimitedBody(request.Body, _maxBodyBytes);
            }

            if ((request.ContentLength > 0 || chunked) && !await HoldsUtf8Async(request, context.RequestAborted))
            {
                await ErrorAnswerMiddleware.WriteAsync(context, StatusCodes.Status400BadRequest, "the body is not valid UTF-8 (JSON text must be)");
                return;
            }

            await next(context);
        }
        finally
        {
            request.Body = original;
        }
    }

    /// <summary>
    /// Reads the whole body (already bounded by the size limit) and leaves it readable again for the endpoint.
    /// </summary>
    /// <remarks>
    /// The JSON reader checks UTF-8 only in strings it decodes: invalid bytes inside a value it merely carries (the
    /// message of a request, which is relayed to Redis and to other nodes as is) would pass, and every peer would
    /// then choke on them. So the body as a whole is checked once, here.
    /// </remarks>
    private static async Task<bool> HoldsUtf8Async(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = new MemoryStream(request.ContentLength is { } length ? (int)Math.Min(length, int.MaxValue) : 4096);
        await request.Body.CopyToAsync(body, cancellationToken);
        body.Position = 0;
        request.Body = body;
        return System.Text.Unicode.Utf8.IsValid(body.GetBuffer().AsSpan(0, (int)body.Length));
    }
}
