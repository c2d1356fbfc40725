using Gilmour.ControlApi.Errors;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// Refuses, before any endpoint reads it, a body that declares more than MaxBodyBytes (413) or that is not JSON
/// (415). A body without a Content-Type is taken as JSON: clients in any language should not need to know our
/// framework's rules. A chunked body over the limit is stopped by Kestrel's MaxRequestBodySize while it is read.
/// </summary>
public sealed class BodyGuard(RequestDelegate next, IOptions<ControlApiOptions> options)
{
    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > _maxBodyBytes)
        {
            await ErrorAnswers.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorMapping.TooLarge(_maxBodyBytes));
            return;
        }

        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && string.IsNullOrEmpty(request.ContentType))
            request.ContentType = "application/json";
        else if (hasBody && !request.HasJsonContentType())
        {
            await ErrorAnswers.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"the body must be JSON (Content-Type: application/json), not {request.ContentType}");
            return;
        }

        await next(context);
    }
}
