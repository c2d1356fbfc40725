namespace Gilmour.ControlApi.Errors;

/// <summary>A stream node becomes ok by opening its stream, not by activation.</summary>
public sealed class ActivatedByStreamException(string id) : Exception(
    $"node {id} dials out: it is ok while its stream is open, so open GET /nodes/{id}/stream instead of activating it");
