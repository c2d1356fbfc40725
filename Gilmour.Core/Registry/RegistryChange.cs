namespace Gilmour.Registry;

/// <summary>Announced on <see cref="RegistryKeys.ChangesChannel"/> with every committed registry write.</summary>
/// <param name="Kind"><see cref="Added"/>, <see cref="Changed"/> or <see cref="Removed"/>.</param>
/// <param name="Revision">The node's revision after the write; for a removal, the revision that was removed.</param>
public sealed record RegistryChange(string Id, string Kind, long Revision)
{
    public const string Added = "added";
    public const string Changed = "changed";
    public const string Removed = "removed";
}

/// <summary>
/// Published by a dispatcher on <see cref="RegistryKeys.AppliedChannel"/> once the Redis subscriptions of a node
/// match the given revision of its registration (live, or removed for a non-ok / deleted node). A removal is
/// acknowledged with the removed revision + 1.
/// </summary>
public sealed record SubscriptionsApplied(string Id, long Revision, string Dispatcher);
