namespace Gilmour.ControlApi.Errors;

/// <summary>A stream was asked for a node that does not dial out (its transport is callback or none).</summary>
public sealed class StreamNotAllowedException(string id, string transport) : Exception(
    $"node {id} uses transport {transport}: only a node registered with transport stream opens a stream");
