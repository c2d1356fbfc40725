namespace Gilmour.ControlApi.Messaging;

/// <summary>The topic of a request or signal: a concrete topic, as Gilmour publishers send to.</summary>
public static class PublishTopic
{
    public const int MaxLength = 1024;

    public static string? Problem(string? topic)
    {
        if (string.IsNullOrWhiteSpace(topic)) return "is required";
        if (topic.Length > MaxLength) return $"may not be longer than {MaxLength} characters";
        if (topic.Any(char.IsControl)) return "may not contain control characters";
        if (topic.Contains('*')) return "may not contain '*': publish to a concrete topic (wildcards are for slots)";
        return null;
    }
}
