using Gilmour.Protocol;

namespace Gilmour.Responding;

/// <summary>A request or signal as a handler sees it.</summary>
/// <param name="Topic">The concrete topic the publisher sent to, without gilmour.request./gilmour.slot. (for a wildcard slot: not the pattern).</param>
/// <param name="Channel">The full Redis channel it arrived on.</param>
public sealed record IncomingMessage(string Topic, string Channel, Message Message);
