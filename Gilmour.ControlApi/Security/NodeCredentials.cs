using Gilmour.Registry;

namespace Gilmour.ControlApi.Security;

/// <summary>What a node token amounts to on the route of one node.</summary>
public enum TokenVerdict
{
    /// <summary>The token of the route's node.</summary>
    Allowed,

    /// <summary>No node has this token (never issued, or its node was removed).</summary>
    Unknown,

    /// <summary>The token of a node other than the route's.</summary>
    OtherNode,
}

/// <summary>Checks a node token against the node a route names, by the hash the registry stores.</summary>
public sealed class NodeCredentials(NodeRegistry registry)
{
    /// <param name="nodeId">The route's <c>{id}</c>, as the client wrote it (it may name no node, or be no UUID).</param>
    public async Task<TokenVerdict> CheckAsync(string? nodeId, string token)
    {
        var hash = NodeToken.HashOf(token);
        // Both reads every time, sent together (one round trip): the work, like the answer, is the same for a node
        // that exists and one that does not.
        var owner = registry.TokenOwnerAsync(hash);
        var node = nodeId is not null && Guid.TryParseExact(nodeId, "D", out _) ? registry.GetAsync(nodeId) : Task.FromResult<Node?>(null);
        await Task.WhenAll(owner, node);

        if (NodeToken.Matches(hash, node.Result?.TokenHash)) return TokenVerdict.Allowed;
        return owner.Result is null ? TokenVerdict.Unknown : TokenVerdict.OtherNode;
    }
}
