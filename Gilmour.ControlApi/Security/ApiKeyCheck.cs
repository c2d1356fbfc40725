using System.Security.Cryptography;
using System.Text;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Errors;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// When <see cref="ControlApiOptions.ApiKey"/> is set, every route but the health endpoints and the API documentation requires header
/// <c>X-Api-Key</c> with that value (401 otherwise), unknown routes included, so that probing reveals nothing.
/// </summary>
public sealed class ApiKeyCheck(RequestDelegate next, IOptions<ControlApiOptions> options)
{
    public const string Header = "X-Api-Key";

    // Hashing both sides gives equal lengths, so the comparison time reveals neither the key nor its length.
    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.ApiKey) ? null : Hash(options.Value.ApiKey);

    public async Task InvokeAsync(HttpContext context)
    {
        if (_expected is null || IsHealthEndpoint(context.Request.Path) || ApiDocument.IsDocumentation(context.Request.Path))
        {
            await next(context);
            return;
        }

        var given = context.Request.Headers[Header];
        if (given.Count == 1 && given[0] is { Length: > 0 } key && CryptographicOperations.FixedTimeEquals(Hash(key), _expected))
        {
            await next(context);
            return;
        }

        await ErrorAnswers.WriteAsync(context, StatusCodes.Status401Unauthorized,
            given.Count == 0 ? $"missing {Header} header: this proxy requires an API key" : $"wrong {Header} header");
    }

    private static bool IsHealthEndpoint(PathString path) =>
        path.Equals("/health", StringComparison.OrdinalIgnoreCase) || path.Equals("/alive", StringComparison.OrdinalIgnoreCase);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
