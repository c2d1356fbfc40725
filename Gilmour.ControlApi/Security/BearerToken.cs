using Microsoft.Extensions.Primitives;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// The node token of an <c>Authorization: Bearer &lt;token&gt;</c> header, or why the header is not one. The reasons
/// never quote the header: whatever a client put there may be a secret.
/// </summary>
public readonly record struct BearerToken(string? Token, string? Problem)
{
    public const string Scheme = "Bearer";

    public bool IsAbsent => Token is null && Problem is null;

    public static BearerToken Read(StringValues authorization)
    {
        if (authorization.Count == 0) return default;
        if (authorization.Count > 1) return Malformed("several Authorization headers; send one");
        var value = (authorization[0] ?? "").AsSpan().Trim();
        if (value.IsEmpty) return Malformed("the Authorization header is empty");

        var space = value.IndexOf(' ');
        var scheme = space < 0 ? value : value[..space];
        if (!scheme.Equals(Scheme, StringComparison.OrdinalIgnoreCase))
            return Malformed("expected 'Authorization: Bearer <token>' with the token POST /nodes issued");
        var token = space < 0 ? [] : value[(space + 1)..].Trim();
        if (token.IsEmpty) return Malformed("the bearer token is empty");
        if (!NodeToken.IsWellFormed(token))
            return Malformed($"the bearer token is not a node token ({NodeToken.Length} characters of base64url, as POST /nodes issued it)");
        return new BearerToken(token.ToString(), null);
    }

    private static BearerToken Malformed(string problem) => new(null, "malformed Authorization header: " + problem);
}
