using StackExchange.Redis;

namespace Gilmour.Registry;

/// <summary>
/// The proxy's registry of nodes in Redis, shared by every service and replica. Every write is atomic (one
/// MULTI/EXEC, optimistic on the node's previous value), bumps the node's revision, keeps the node's health ident
/// in gilmour.known_host.health in step, and is announced on <see cref="RegistryKeys.ChangesChannel"/>.
/// </summary>
public sealed class NodeRegistry(IConnectionMultiplexer redis)
{
    private readonly IConnectionMultiplexer _redis = redis;

    public Task<Node?> GetAsync(string id) => throw new NotImplementedException();

    public Task<IReadOnlyList<Node>> ListAsync() => throw new NotImplementedException();

    /// <summary>Adds a new node (revision 1) and its health ident. False when the id exists already.</summary>
    public Task<bool> AddAsync(Node node) => throw new NotImplementedException();

    /// <summary>
    /// Read-modify-write with retry on concurrent change. <paramref name="change"/> returns the new node, or null
    /// to leave it as is. Returns the node as stored afterwards, or null when the id is unknown.
    /// </summary>
    public Task<Node?> UpdateAsync(string id, Func<Node, Node?> change) => throw new NotImplementedException();

    /// <summary>Removes the node and its health ident; returns what was removed, or null when unknown.</summary>
    public Task<Node?> RemoveAsync(string id) => throw new NotImplementedException();
}
