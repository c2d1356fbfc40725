namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// The numbers one subscription was delivered compared with the numbers it had to get: which came twice or more,
/// which never came, which came though they were not meant for it. Exactly once means all three are empty.
/// </summary>
public sealed record ExactlyOnce(string Subscription, int Expected, int Delivered, IReadOnlyList<int> Duplicated,
    IReadOnlyList<int> Missing, IReadOnlyList<int> Unexpected)
{
    public bool Holds => Duplicated.Count == 0 && Missing.Count == 0 && Unexpected.Count == 0;

    public static ExactlyOnce Compare(string subscription, IEnumerable<int> expected, IEnumerable<int> delivered)
    {
        var wanted = expected.ToHashSet();
        var counts = delivered.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        return new ExactlyOnce(subscription, wanted.Count, counts.Values.Sum(),
            [.. counts.Where(c => c.Value > 1).Select(c => c.Key).Order()],
            [.. wanted.Where(n => !counts.ContainsKey(n)).Order()],
            [.. counts.Keys.Where(n => !wanted.Contains(n)).Order()]);
    }

    public override string ToString() =>
        $"{Subscription}: expected {Expected}, delivered {Delivered}, duplicated {Duplicated.Count} {Sample(Duplicated)}, " +
        $"missing {Missing.Count} {Sample(Missing)}, unexpected {Unexpected.Count} {Sample(Unexpected)}";

    private static string Sample(IReadOnlyList<int> numbers) => numbers.Count == 0 ? "" : $"[{string.Join(",", numbers.Take(10))}{(numbers.Count > 10 ? ",..." : "")}]";
}
