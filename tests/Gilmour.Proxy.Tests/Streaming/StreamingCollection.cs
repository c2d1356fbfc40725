namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// The streaming classes run one after another: each starts whole proxies (several with two of each service), and
/// on a two-core machine starting them all at once only makes every service's start and every bound tighter.
/// </summary>
[CollectionDefinition(Name)]
public sealed class StreamingCollection
{
    public const string Name = "streaming";
}
