namespace Gilmour.ControlApi.Errors;

/// <summary>Input that passed JSON binding and validation but still cannot be used (a bad composition, for one).</summary>
public sealed class InvalidInputException(string message) : Exception(message);
