using Aspire.Hosting.ApplicationModel;

namespace Gilmour.Hosting.Redis;

/// <summary>
/// The Redis every service shares, however it is provided: the connection the services reference (as
/// <c>ConnectionStrings:redis</c>) and, when the app host runs the server itself, the resource they wait for.
/// </summary>
/// <param name="Choice">Which mode runs, and why.</param>
/// <param name="Connection">What services reference; its value is the connection string.</param>
/// <param name="Server">The server resource to wait for; null for an external Redis.</param>
internal sealed record RedisBackbone(RedisChoice Choice, IResourceBuilder<IResourceWithConnectionString> Connection, IResourceBuilder<IResource>? Server)
{
    /// <summary>Resource name, and the connection string name every service reads.</summary>
    public const string Name = "redis";

    /// <summary>Local servers listen on loopback only, and clients connect there by address, not by "localhost".</summary>
    public const string Loopback = "127.0.0.1";
}
