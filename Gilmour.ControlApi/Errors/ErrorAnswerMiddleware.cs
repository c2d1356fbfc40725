using System.Text.Json;
using Gilmour.ControlApi.Messaging;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Errors;

/// <summary>
/// Outermost middleware: turns every failure that escapes an endpoint into its <c>{status}</c> answer through
/// <see cref="ErrorMapping"/>. Only a bug of ours becomes a 500, and is logged as one.
/// </summary>
public sealed class ErrorAnswerMiddleware(RequestDelegate next, IOptions<ControlApiOptions> options, ILogger<ErrorAnswerMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception failure) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a blocking request it gave up on): nobody is left to answer.
            log.LogDebug(failure, "{Method} {Path}: client disconnected", context.Request.Method, context.Request.Path);
        }
        catch (Exception failure)
        {
            var mapped = ErrorMapping.Map(failure, options.Value.MaxBodyBytes);
            if (mapped is null)
                log.LogError(failure, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            else
                log.LogDebug(failure, "{Method} {Path} refused: {Status} {Message}", context.Request.Method, context.Request.Path,
                    mapped.Value.Status, mapped.Value.Message);
            if (context.Response.HasStarted) return;
            var (status, message) = mapped ?? (StatusCodes.Status500InternalServerError, "internal error: " + failure.Message);
            await WriteAsync(context, status, message);
        }
    }

    public static async Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.Headers[AnsweredBy.Header] = AnsweredBy.Proxy;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorAnswer(message), ControlApiJson.Options,
            context.RequestAborted);
    }
}
