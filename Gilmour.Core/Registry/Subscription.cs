namespace Gilmour.Registry;

/// <summary>
/// A slot or service of a node: the topic it listens on, its exclusion group, the HTTP path on the node that
/// handles it, and its timeout in seconds (Gilmour's default 600).
/// </summary>
public sealed record Subscription(string Topic, string? Group, string Path, int Timeout = Subscription.DefaultTimeoutSeconds)
{
    public const int DefaultTimeoutSeconds = 600;

    /// <summary>Same topic, group and path: the identity a node may hold only once (409 otherwise).</summary>
    public bool SameAs(Subscription other) =>
        Topic == other.Topic && Group == other.Group && Path == other.Path;

    /// <summary>
    /// Same topic and exclusion group, whatever the path. Two services of one node alike in this way could never
    /// both run (the group lock lets one member of a group take a request, and the node is one member), so a node
    /// holds at most one service per topic and group.
    /// </summary>
    public bool SameExclusionGroupAs(Subscription other) =>
        Topic == other.Topic && Group == other.Group;
}
