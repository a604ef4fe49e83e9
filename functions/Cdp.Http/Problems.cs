using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>RFC 9457 problem details replies, so that every error names what went wrong and where.</summary>
internal static class Problems
{
    public static IResult Invalid(IReadOnlyDictionary<string, string[]> errors, string title) =>
        TypedResults.ValidationProblem(errors, title: title, detail: "See 'errors' for each bad field.");

    public static IResult Invalid(string field, string problem, string title) =>
        Invalid(new Dictionary<string, string[]> { [field] = [problem] }, title);

    public static IResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    public static IResult TooLarge(long limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large.", detail: $"A body may hold at most {limit} bytes.");
}
