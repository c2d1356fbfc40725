using System.Text.Json;
using Gilmour.Requests;

namespace Gilmour.Compositions;

/// <summary>Sends one request of a composition (in production: <see cref="Requester.RequestAsync"/>).</summary>
public delegate Task<Reply> SendRequest(string topic, JsonElement data, TimeSpan timeout, CancellationToken cancellationToken);

/// <summary>
/// Runs compositions on the requesting side, as the Go and Ruby libraries do: pipe, andand, oror, batch
/// (with record), parallel, nested to any depth, with DESIGN.md's input and object-merge rules.
/// </summary>
public sealed class CompositionRunner(SendRequest send)
{
    private readonly SendRequest _send = send;

    /// <summary>
    /// Runs <paramref name="composition"/> on <paramref name="input"/> within <paramref name="timeout"/> in all.
    /// Returns the result messages: one for pipe/andand/oror/unrecorded batch, one per stage for parallel and
    /// recorded batch.
    /// </summary>
    public Task<IReadOnlyList<Reply>> RunAsync(Composition composition, JsonElement input, TimeSpan timeout,
        CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
