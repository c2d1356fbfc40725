using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Messaging;

/// <summary>Who may publish: a registered node whose status is ok.</summary>
public sealed class PublishPermission(NodeStatusCache nodes)
{
    /// <param name="id">The publishing node's id.</param>
    /// <param name="wait">How long reading its registration may wait for a Redis primary: the publish's own time.</param>
    /// <exception cref="NodeNotFoundException">unknown id.</exception>
    /// <exception cref="PublishingRefusedException">the node is unavailable or dirty.</exception>
    public async Task<Node> EnsureMayPublishAsync(string id, TimeSpan wait)
    {
        var node = await nodes.GetAsync(NodeIds.EnsureWellFormed(id), wait) ?? throw new NodeNotFoundException(id);
        return node.Status == NodeStatus.Ok ? node : throw new PublishingRefusedException(node.Id, node.Status.ToWire());
    }
}
