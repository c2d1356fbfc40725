namespace Gilmour.Benchmarks;

/// <summary>One way of sending a request and awaiting its reply; what the load run drives.</summary>
public interface IRoundTrip
{
    string Name { get; }

    /// <summary>Sends one request of the configured size; true when it was answered with code 200.</summary>
    Task<bool> SendAsync(CancellationToken cancellationToken);
}
