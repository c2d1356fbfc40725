namespace Gilmour.ControlApi.Messaging;

/// <summary>The HTTP status of a POST /request answer: the Gilmour code, where HTTP can carry it.</summary>
public static class ReplyStatus
{
    /// <remarks>
    /// A Gilmour code is whatever a handler chose. One that is not a final HTTP status (below 200, above 599)
    /// is answered 502 (the peer broke HTTP's rules); 204, 205 and 304 forbid the body that carries the messages,
    /// so they are answered 200. Either way the body keeps the real code.
    /// </remarks>
    public static int HttpStatusFor(int code) => code switch
    {
        < 200 or > 599 => StatusCodes.Status502BadGateway,
        StatusCodes.Status204NoContent or StatusCodes.Status205ResetContent or StatusCodes.Status304NotModified => StatusCodes.Status200OK,
        _ => code,
    };
}
