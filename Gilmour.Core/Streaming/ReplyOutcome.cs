namespace Gilmour.Streaming;

/// <summary>What became of a node's reply to one of its stream deliveries.</summary>
public enum ReplyOutcome
{
    /// <summary>Handed to the dispatcher waiting for it: the requester gets it.</summary>
    Delivered,

    /// <summary>This node never got that delivery, or already answered it (or its late-reply window passed).</summary>
    Unknown,

    /// <summary>The request timed out first; its requester already got 499.</summary>
    TimedOut,

    /// <summary>The node's stream closed before it answered; its requester already got 502.</summary>
    StreamClosed,
}
