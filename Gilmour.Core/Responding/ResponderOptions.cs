using Gilmour.Errors;

namespace Gilmour.Responding;

public sealed record ResponderOptions
{
    /// <summary>Health ident; null makes a fresh one, <c>&lt;host&gt;-pid-&lt;pid&gt;-uuid-&lt;uuid&gt;</c>.</summary>
    public string? Ident { get; init; }

    /// <summary>Answer pings on gilmour.health.&lt;ident&gt;.</summary>
    public bool AnswerHealth { get; init; } = true;

    /// <summary>HSET the ident in gilmour.known_host.health on start and HDEL it on stop. The proxy's dispatcher
    /// turns this off because the registry owns its nodes' idents (replicas must not delete each other's).</summary>
    public bool RegisterIdent { get; init; } = true;

    public ErrorPolicy ErrorPolicy { get; init; } = ErrorPolicy.Publish;

    /// <summary>
    /// Told when a grouped message went to another member of its exclusion group (this responder lost the lock), with
    /// the message and the group. The proxy counts these per node; a losing member otherwise leaves no trace.
    /// </summary>
    public Action<IncomingMessage, string>? LockLost { get; init; }
}
