namespace Gilmour.Registry;

/// <summary>Announced on <see cref="RegistryKeys.ChangesChannel"/> after every committed registry write.</summary>
/// <param name="Kind">"added", "changed" or "removed".</param>
public sealed record RegistryChange(string Id, string Kind, long Revision);

/// <summary>
/// Published by a dispatcher on <see cref="RegistryKeys.AppliedChannel"/> once the Redis subscriptions of a node
/// match the given revision of its registration (live, or removed for a non-ok / deleted node).
/// </summary>
public sealed record SubscriptionsApplied(string Id, long Revision, string Dispatcher);
