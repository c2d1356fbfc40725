namespace Gilmour.ControlApi.Nodes;

/// <summary>The seed's answer to a change: <c>{"status": "ok"}</c>.</summary>
public sealed record StatusAnswer(string Status)
{
    public static StatusAnswer Ok { get; } = new("ok");
}
