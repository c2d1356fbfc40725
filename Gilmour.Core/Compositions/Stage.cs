using System.Text.Json;

namespace Gilmour.Compositions;

/// <summary>One step of a composition: a request to a topic, or a nested composition.</summary>
public abstract record Stage;

/// <param name="Message">The stage's own message (merged into an object input, else replacing it); null when absent.</param>
/// <param name="Timeout">The stage's own timeout; null uses what remains of the request's.</param>
public sealed record TopicStage(string Topic, JsonElement? Message, TimeSpan? Timeout) : Stage;

public enum CompositionKind
{
    /// <summary>"pipe" or its alias "compose".</summary>
    Pipe,
    AndAnd,
    OrOr,
    Batch,
    Parallel,
}

/// <param name="Record">batch only: return every result, not just the last.</param>
public sealed record Composition(CompositionKind Kind, IReadOnlyList<Stage> Stages, bool Record = false) : Stage;
