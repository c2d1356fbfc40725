namespace Gilmour.ControlApi;

/// <summary>Settings of the control API, bound from <c>Gilmour:ControlApi</c> and validated at start.</summary>
public sealed record ControlApiOptions
{
    public const string Section = "Gilmour:ControlApi";

    /// <summary>Timeout of a POST /request whose body names none.</summary>
    public double DefaultRequestTimeoutSeconds { get; init; } = 60;

    /// <summary>Upper bound of any request's timeout; larger asks are cut down to it.</summary>
    public double MaxRequestTimeoutSeconds { get; init; } = 300;

    /// <summary>Largest request body accepted (Kestrel's MaxRequestBodySize); larger bodies get 413.</summary>
    public long MaxBodyBytes { get; init; } = 1_048_576;

    /// <summary>
    /// The admin key. Set, the API is secured: every route except /health, /alive and the API documentation requires
    /// header X-Api-Key with this value, and the routes of one node also open with that node's token.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// Hosts a registration may name in its explicit <c>host</c> field: names (matched as written), IP addresses and
    /// CIDR ranges. Empty: the callback host is always the registering client's own address, so the proxy never calls
    /// an address a client merely names (SSRF).
    /// </summary>
    public string[] AllowedNodeHosts { get; init; } = [];

    /// <summary>
    /// Addresses and CIDR ranges of the reverse proxies in front of the API. Only a request whose TCP peer is one of
    /// them is taken to come from the address that proxy appended to <see cref="ForwardedHeader"/>; from any other
    /// peer the forwarding headers are ignored. Empty: the peer is always the client.
    /// </summary>
    public string[] TrustedProxies { get; init; } = [];

    /// <summary>The header the trusted proxies append the client's address to: <c>X-Forwarded-For</c> or <c>Forwarded</c>.</summary>
    public string ForwardedHeader { get; init; } = "X-Forwarded-For";

    /// <summary>How long the health pre-check of a registering or re-activated node may take.</summary>
    public double HealthCheckTimeoutSeconds { get; init; } = 5;

    /// <summary>How long a change waits for a dispatcher to make the node's subscriptions live.</summary>
    public double SubscriptionReadyTimeoutSeconds { get; init; } = 10;

    /// <summary>
    /// On SIGTERM, how long the API keeps serving with /health at 503 and <c>Connection: close</c> on every answer, so
    /// a load balancer moves clients away before the server stops. 0 stops at once.
    /// </summary>
    public double ShutdownDrainSeconds { get; init; } = 5;

    /// <summary>
    /// How often an open node stream carries a <c>: keepalive</c> comment when nothing else was written, and renews its
    /// lease; the lease lives three heartbeats, so a replica that dies is noticed within three heartbeats plus one
    /// HealthMonitor interval.
    /// </summary>
    public double StreamHeartbeatSeconds { get; init; } = 15;

    /// <summary>A node stream whose writes stay blocked this long (the node stopped reading) is closed as too slow.</summary>
    public double StreamStallSeconds { get; init; } = 10;

    /// <summary>
    /// Deliveries waiting to be written down one node stream, in bytes, beyond which the stream is closed as too slow
    /// (one delivery larger than this alone is still written).
    /// </summary>
    public long StreamBufferBytes { get; init; } = 16 * 1024 * 1024;

    public TimeSpan DefaultRequestTimeout => TimeSpan.FromSeconds(DefaultRequestTimeoutSeconds);
    public TimeSpan MaxRequestTimeout => TimeSpan.FromSeconds(MaxRequestTimeoutSeconds);
    public TimeSpan HealthCheckTimeout => TimeSpan.FromSeconds(HealthCheckTimeoutSeconds);
    public TimeSpan SubscriptionReadyTimeout => TimeSpan.FromSeconds(SubscriptionReadyTimeoutSeconds);
    public TimeSpan ShutdownDrain => TimeSpan.FromSeconds(ShutdownDrainSeconds);
    public TimeSpan StreamHeartbeat => TimeSpan.FromSeconds(StreamHeartbeatSeconds);
    public TimeSpan StreamLeaseLifetime => 3 * StreamHeartbeat;
    public TimeSpan StreamStall => TimeSpan.FromSeconds(StreamStallSeconds);
}
