namespace Gilmour.Streaming;

public enum LeaseRenewal
{
    /// <summary>The stream still held its lease; it lives on.</summary>
    Renewed,

    /// <summary>The lease had expired (this replica could not renew it in time) and nobody else took it: taken again.</summary>
    Retaken,

    /// <summary>Another stream of the node holds the lease: this one was replaced.</summary>
    HeldByAnother,
}
