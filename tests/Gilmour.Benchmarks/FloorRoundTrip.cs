using Gilmour.Requests;

namespace Gilmour.Benchmarks;

/// <summary>
/// Baseline (a), the raw floor: Gilmour.Core's Requester (one pattern subscription for every reply, the listener
/// check and PUBLISH in one round trip) against a Core Responder; no HTTP anywhere.
/// </summary>
public sealed class FloorRoundTrip(Requester requester, string topic, Payload payload) : IRoundTrip
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string Name => "floor (a)";

    public async Task<bool> SendAsync(CancellationToken cancellationToken)
    {
        var reply = await requester.RequestAsync(topic, payload.Data, Timeout, cancellationToken);
        return reply.Code == 200;
    }
}
