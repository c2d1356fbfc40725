namespace Gilmour.ControlApi.Messaging;

/// <summary>
/// An answer that may carry large data (a reply's messages) and knows about how many bytes its JSON takes, so that
/// <see cref="AnswerSerializer"/> can write it from one buffer of that size.
/// </summary>
public interface ISizedAnswer
{
    /// <summary>About the length of the answer's JSON in bytes; a low guess only costs the buffer a resize.</summary>
    int SizeHint { get; }
}
