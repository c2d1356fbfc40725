namespace Gilmour.Compositions;

/// <summary>A composition spec that cannot run; the message says what is wrong and where (for a 400 answer).</summary>
public sealed class CompositionException(string message) : Exception(message);
