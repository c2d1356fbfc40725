namespace Gilmour.Testing;

/// <summary>Wait-for-condition instead of sleeps: polls until the condition holds or the limit passes.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan limit, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"condition not met within {limit}: {describe?.Invoke() ?? "(no description)"}");
            await Task.Delay(10);
        }
    }

    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan limit, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"condition not met within {limit}: {describe?.Invoke() ?? "(no description)"}");
            await Task.Delay(10);
        }
    }
}
