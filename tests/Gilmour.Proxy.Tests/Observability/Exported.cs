using System.Collections.ObjectModel;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>
/// What an in-memory exporter appended, readable while the exporter goes on appending from the threads that end
/// spans (a plain List would tear).
/// </summary>
public sealed class Exported<T> : Collection<T>
{
    private readonly Lock _gate = new();

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate) return [.. Items];
    }

    protected override void InsertItem(int index, T item)
    {
        lock (_gate) base.InsertItem(index, item);
    }

    protected override void ClearItems()
    {
        lock (_gate) base.ClearItems();
    }
}
