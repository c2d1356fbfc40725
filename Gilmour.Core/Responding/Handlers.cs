using Gilmour.Requests;

namespace Gilmour.Responding;

/// <summary>Handles a request; the token fires when the subscription's timeout passes (the reply is then 499).</summary>
public delegate Task<Reply> ReplyHandler(IncomingMessage message, CancellationToken timeout);

/// <summary>Handles a signal; the token fires when the slot's timeout passes (reported as an error).</summary>
public delegate Task SlotHandler(IncomingMessage message, CancellationToken timeout);
