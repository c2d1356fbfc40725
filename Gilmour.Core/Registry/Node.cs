namespace Gilmour.Registry;

/// <summary>
/// A registered program the proxy serves, as stored in Redis. The proxy calls it at
/// <c>http://{Host}:{Port}{path}</c>.
/// </summary>
/// <param name="Id">Unguessable id handed to the node (a random UUID, "N" format not required).</param>
/// <param name="Host">Callback host: the registering client's address, or an allow-listed explicit host.</param>
/// <param name="Ident">The Gilmour health ident under which this node appears to health tools.</param>
/// <param name="Revision">Incremented on every change; dispatchers acknowledge the revision they applied.</param>
/// <param name="MaxConcurrency">Cap on concurrent deliveries to this node; null means no cap.</param>
/// <param name="TokenHash">
/// SHA-256 (lowercase hex) of the node's credential, issued once at registration; the credential itself is never
/// stored. Null for nodes stored before credentials existed: only the operator's key manages those.
/// </param>
/// <param name="StatusSince">
/// When <paramref name="Status"/> was last set; <see cref="NodeRegistry.UpdateAsync"/> stamps it on every status change.
/// Null for nodes stored before it existed.
/// </param>
public sealed record Node(
    string Id,
    string Host,
    int Port,
    string HealthCheck,
    NodeStatus Status,
    IReadOnlyList<Subscription> Slots,
    IReadOnlyList<Subscription> Services,
    string Ident,
    long Revision,
    DateTimeOffset RegisteredAt,
    int? MaxConcurrency = null,
    string? TokenHash = null,
    DateTimeOffset? StatusSince = null)
{
    public const string DefaultHealthCheck = "/health";

    public Uri Address(string path) => new($"http://{FormatHost(Host)}:{Port}{path}");

    private static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
