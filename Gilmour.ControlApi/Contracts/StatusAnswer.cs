namespace Gilmour.ControlApi.Contracts;

/// <summary>The answer to a change that has nothing else to say: <c>{"status": "ok"}</c>.</summary>
public sealed record StatusAnswer(string Status)
{
    public static StatusAnswer Ok { get; } = new("ok");
}
