using System.Text.Json;
using FluentValidation.Results;
using Gilmour.Compositions;
using Gilmour.Registry;
using StackExchange.Redis;

namespace Gilmour.ControlApi.Errors;

/// <summary>
/// The one mapping from domain failures (and from what bad input makes the framework throw) to an HTTP status and
/// the message of the <c>{status}</c> answer.
/// </summary>
public static class ErrorMapping
{
    /// <summary>Status and message for <paramref name="failure"/>; null for a failure that is a bug of ours.</summary>
    public static (int Status, string Message)? Map(Exception failure, long maxBodyBytes) => failure switch
    {
        InvalidInputException or CompositionException => (StatusCodes.Status400BadRequest, failure.Message),
        JsonException json => (StatusCodes.Status400BadRequest, Describe(json)),
        HostNotAllowedException => (StatusCodes.Status403Forbidden, failure.Message),
        NodeNotFoundException or SubscriptionNotFoundException or DeliveryNotFoundException => (StatusCodes.Status404NotFound, failure.Message),
        DuplicateSubscriptionException or RegistryConflictException or StreamNotAllowedException or ActivatedByStreamException => (StatusCodes.Status409Conflict, failure.Message),
        DeliveryGoneException => (StatusCodes.Status410Gone, failure.Message),
        HealthCheckFailedException => (StatusCodes.Status502BadGateway, failure.Message),
        PublishingRefusedException or SubscriptionsNotReadyException or ShuttingDownException => (StatusCodes.Status503ServiceUnavailable, failure.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, TooLarge(maxBodyBytes)),
        BadHttpRequestException bad => (bad.StatusCode, "bad request: " + bad.Message),
        // Redis restarting, failing over or out of reach: the caller may retry; it is not a bug of ours (a 500).
        RedisConnectionException => (StatusCodes.Status503ServiceUnavailable,
            "the proxy cannot reach a Redis primary right now (Redis restarting or failing over); try again shortly"),
        RedisException redis => (StatusCodes.Status503ServiceUnavailable, "the proxy cannot reach Redis right now: " + FirstClause(redis.Message)),
        _ => null,
    };

    /// <summary>StackExchange.Redis appends a long diagnostic dump after the first comma; the cause comes first.</summary>
    private static string FirstClause(string message) =>
        message.IndexOf(", ", StringComparison.Ordinal) is > 0 and var cut ? message[..cut] : message;

    public static string TooLarge(long maxBodyBytes) =>
        $"request body exceeds the limit of {maxBodyBytes} bytes (Gilmour:ControlApi:MaxBodyBytes)";

    /// <summary>A JSON error without .NET type names, naming the place in the body where it is.</summary>
    public static string Describe(JsonException failure)
    {
        if (JsonFailureText.Describe(failure) is { } worded) return worded;
        var text = failure.Message;
        var cut = text.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) text = text[..cut];
        if (failure.InnerException is InvalidOperationException { Message: var inner } && inner.Contains("UTF-8", StringComparison.Ordinal))
            text = "it is not valid UTF-8";
        else if (text.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) || text.Contains(".NET", StringComparison.Ordinal))
            text = "wrong type of value";
        else if (text.StartsWith("Duplicate property", StringComparison.Ordinal)
                 && text.IndexOf(" encountered", StringComparison.Ordinal) is var end and > 0)
            text = "d" + text[1..end];
        text = text.TrimEnd('.');
        return failure.Path is { Length: > 1 } path ? $"invalid JSON at {path}: {text}" : $"invalid JSON body: {text}";
    }

    /// <summary>Validation failures as one message: "port must be between 1 and 65535; slots[0].topic is required".</summary>
    public static string Describe(IEnumerable<ValidationFailure> failures) =>
        string.Join("; ", failures.Select(f => string.IsNullOrEmpty(f.PropertyName)
            ? f.ErrorMessage
            : $"{FieldPath(f.PropertyName)} {f.ErrorMessage}").Distinct());

    /// <summary>"Slots[0].HealthCheck" as the JSON spells it: "slots[0].health_check".</summary>
    public static string FieldPath(string propertyName) =>
        string.Join('.', propertyName.Split('.').Select(part =>
        {
            var bracket = part.IndexOf('[');
            return bracket < 0
                ? JsonNamingPolicy.SnakeCaseLower.ConvertName(part)
                : JsonNamingPolicy.SnakeCaseLower.ConvertName(part[..bracket]) + part[bracket..];
        }));
}
