namespace Gilmour.ControlApi.Errors;

/// <summary>The body of every error answer: <c>{"status": "&lt;clear message&gt;"}</c>.</summary>
public sealed record ErrorAnswer(string Status);
