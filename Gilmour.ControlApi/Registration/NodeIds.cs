using Gilmour.ControlApi.Errors;

namespace Gilmour.ControlApi.Registration;

/// <summary>Node ids: random UUIDs, so that knowing one node's id tells nothing about another's.</summary>
public static class NodeIds
{
    public static string New() => Guid.NewGuid().ToString();

    /// <summary>The Gilmour health ident of a proxied node, in the libraries' format.</summary>
    public static string Ident(string id) => $"{Environment.MachineName}-pid-{Environment.ProcessId}-uuid-{id}";

    /// <summary>An id that is not a UUID names no node: answer 404 without asking Redis.</summary>
    /// <exception cref="NodeNotFoundException">the id is not a UUID.</exception>
    public static string EnsureWellFormed(string? id) =>
        id is not null && Guid.TryParseExact(id, "D", out _) ? id : throw new NodeNotFoundException(Printable(id));

    /// <summary>An id fit to quote in a message: short, without control characters.</summary>
    public static string Printable(string? id)
    {
        if (string.IsNullOrEmpty(id)) return "''";
        var shown = new string(id.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return id.Length > 64 ? shown + "..." : shown;
    }
}
