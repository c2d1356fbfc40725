namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// The base addresses of the ControlApi replicas, as a load balancer knows them: read afresh for every call, so a
/// replica restarted on a new port is used as soon as the test swaps its address in.
/// </summary>
public sealed class ControlApiAddresses(IEnumerable<Uri> addresses)
{
    private readonly Lock _gate = new();
    private volatile Uri[] _current = [.. addresses];

    public IReadOnlyList<Uri> Current => _current;

    /// <summary>The replica for the <paramref name="turn"/>th try: consecutive turns go to different replicas.</summary>
    public Uri Pick(int turn)
    {
        var current = _current;
        return current[(int)((uint)turn % (uint)current.Length)];
    }

    public void Replace(Uri old, Uri replacement)
    {
        lock (_gate) _current = Array.ConvertAll(_current, address => address == old ? replacement : address);
    }
}
