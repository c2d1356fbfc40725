using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Errors;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// Who may call what: the one place every request's credentials are checked, before any endpoint runs.
/// </summary>
/// <remarks>
/// Open posture (no <see cref="ControlApiOptions.ApiKey"/>): everything passes and an Authorization header is
/// ignored. Secured posture: every route but the health endpoints and the API documentation needs the admin key
/// (<c>X-Api-Key</c>), except that a route naming a node (<c>{id}</c> in its pattern, whichever endpoint declares it)
/// also opens with that node's token (<c>Authorization: Bearer</c>). A credential that is present must be right. A
/// wrong or unknown token is 401 and another node's token 403 whether or not the route's node exists, so the
/// answers never tell which nodes exist. Unknown routes need the admin key, so probing them reveals nothing either.
/// </remarks>
public sealed class AccessCheck(RequestDelegate next, AdminKey adminKey, NodeCredentials nodes)
{
    public const string NodeRouteParameter = "id";

    public async Task InvokeAsync(HttpContext context)
    {
        if (adminKey.IsSet && !IsOpen(context.Request.Path) && await RefusalAsync(context) is var (status, message))
            await ErrorAnswerMiddleware.WriteAsync(context, status, message);
        else
            await next(context);
    }

    /// <summary>Null when the request may go on; else the status and message of the answer.</summary>
    private async Task<(int Status, string Message)?> RefusalAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        switch (adminKey.Check(headers[AdminKey.Header]))
        {
            case AdminKeyPresented.Right: return null;
            case AdminKeyPresented.Empty: return Unauthorized($"empty {AdminKey.Header} header");
            case AdminKeyPresented.Wrong: return Unauthorized($"wrong {AdminKey.Header} header");
        }

        if (!NamesANode(context, out var nodeId))
            return Unauthorized($"missing {AdminKey.Header} header: this proxy requires an API key here (a node's token opens only the routes of its own node)");

        var bearer = BearerToken.Read(headers.Authorization);
        if (bearer.IsAbsent)
            return Unauthorized($"missing credentials: send 'Authorization: Bearer <the node's token>' or the {AdminKey.Header} header");
        if (bearer.Problem is { } problem) return Unauthorized(problem);

        return await nodes.CheckAsync(nodeId, bearer.Token!) switch
        {
            TokenVerdict.Allowed => null,
            TokenVerdict.OtherNode => (StatusCodes.Status403Forbidden,
                "this token belongs to another node: a node's token opens only the routes of its own node"),
            _ => Unauthorized("unknown bearer token (not issued by this proxy, or its node was removed)"),
        };
    }

    /// <summary>Whether the matched route has a <c>{id}</c> parameter, and its value as the client wrote it.</summary>
    private static bool NamesANode(HttpContext context, out string? nodeId)
    {
        nodeId = null;
        if (context.GetEndpoint() is not RouteEndpoint { RoutePattern: var pattern } || pattern.GetParameter(NodeRouteParameter) is null)
            return false;
        nodeId = context.GetRouteValue(NodeRouteParameter) as string;
        return true;
    }

    private static (int, string) Unauthorized(string message) => (StatusCodes.Status401Unauthorized, message);

    private static bool IsOpen(PathString path) =>
        path.Equals("/health", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/alive", StringComparison.OrdinalIgnoreCase)
        || ApiDocument.IsDocumentation(path);
}
