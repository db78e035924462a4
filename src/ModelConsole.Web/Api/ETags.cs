using Microsoft.Net.Http.Headers;

namespace ModelConsole.Web.Api;

/// <summary>The one reading of <c>If-None-Match</c> for the answers that carry an ETag (routing table, bundle content, OFREP bulk).</summary>
internal static class ETags
{
    /// <summary>Sends <paramref name="tag"/> (without quotes) as the ETag; true when the request already holds it (or <c>*</c>): answer 304.</summary>
    public static bool SendAndMatch(HttpContext context, string tag)
    {
        var etag = new EntityTagHeaderValue($"\"{tag}\"");
        context.Response.Headers.ETag = etag.ToString();
        return EntityTagHeaderValue.TryParseList(context.Request.Headers.IfNoneMatch, out var tags)
            && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false));
    }
}
