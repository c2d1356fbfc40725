namespace Gilmour.Hosting;

/// <summary>
/// What a node referencing the bus finds in its environment. Every client of the proxy reads these names, whatever
/// its language: the URL under either name, and the key when the bus is secured.
/// </summary>
public static class NodeEnvironment
{
    /// <summary>The control API's base URL.</summary>
    public const string ProxyUrl = "GILMOUR_PROXY_URL";

    /// <summary>The admin key (<c>X-Api-Key</c>); absent when the bus runs open.</summary>
    public const string ApiKey = "GILMOUR_API_KEY";

    /// <summary>The control API's URL in Aspire's service discovery form, which the Python client reads first.</summary>
    public const string ServiceDiscoveryUrl = "services__controlapi__http__0";
}
