using System.Text.Json.Serialization;

namespace Gilmour.Registry;

/// <summary>
/// A registered program the proxy serves, as stored in Redis. The proxy calls a callback node at
/// <c>http://{Host}:{Port}{path}</c>; a node that dials out (<see cref="NodeTransport.Stream"/>) or serves nothing
/// (<see cref="NodeTransport.None"/>) has no address: its host and health check are empty and its port 0.
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
/// <param name="Transport">How the proxy reaches the node; nodes stored without one are callback nodes.</param>
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
    DateTimeOffset? StatusSince = null,
    // Written only when not callback: a callback node is stored exactly as before transports existed.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] NodeTransport Transport = NodeTransport.Callback)
{
    public const string DefaultHealthCheck = "/health";

    /// <exception cref="InvalidOperationException">the node is not a callback node: it has no address.</exception>
    public Uri Address(string path) => Transport == NodeTransport.Callback
        ? new($"http://{FormatHost(Host)}:{Port}{path}")
        : throw new InvalidOperationException($"node {Id} uses transport {Transport.ToWire()}: the proxy never calls it");

    private static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
