namespace Gilmour.ControlApi.Errors;

/// <summary>Only a node whose status is ok may publish requests and signals.</summary>
public sealed class PublishingRefusedException(string id, string status) : Exception($"node {id} is {status}: publishing refused");
