namespace Gilmour.Errors;

/// <summary>publish: Ruby's wrapped message on gilmour.error (default); queue: Go's gilmour.errorqueue list; ignore.</summary>
public enum ErrorPolicy
{
    Publish,
    Queue,
    Ignore,
}
