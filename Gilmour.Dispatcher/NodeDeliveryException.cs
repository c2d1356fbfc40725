namespace Gilmour.Dispatcher;

/// <summary>A slot delivery the node did not take (non-2xx answer, or nobody reachable): the Responder reports it on
/// Gilmour's error channel, as the libraries report a failing slot handler.</summary>
public sealed class NodeDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
