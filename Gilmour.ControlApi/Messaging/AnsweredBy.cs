namespace Gilmour.ControlApi.Messaging;

/// <summary>
/// Header <c>Gilmour-Answered-By</c> on every answer: who chose its HTTP status. <c>proxy</c>: the proxy itself (an
/// error answer, or a request that reached no responder, 404, or got no reply in time, 499); <c>node</c>: a responder
/// on the bus (a proxied node, or a native Gilmour program) replied with that code. A node's own 404 and the proxy's
/// "No active listeners" 404 are told apart this way.
/// </summary>
public static class AnsweredBy
{
    public const string Header = "Gilmour-Answered-By";
    public const string Proxy = "proxy";
    public const string Node = "node";
}
