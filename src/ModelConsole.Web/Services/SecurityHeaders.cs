namespace ModelConsole.Web.Services;

public static class SecurityHeaders
{
    // Only what Blazor Server, MudBlazor and Plotly need, all from this origin; MudBlazor sets inline styles.
    // connect-src 'self' admits this origin's own websocket (CSP Level 3), and no other host's.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; " +
        "form-action 'self'; object-src 'none'";

    // Machine answers (JSON) are never documents: nothing may load or frame them (OWASP's REST advice). Shorter
    // headers matter on the hot path, where the answer itself is a few hundred bytes.
    public const string MachinePolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>Sends the security headers in every environment, Development included.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (Auth.AuthSetup.IsMachinePath(context.Request))
            {
                headers.ContentSecurityPolicy = MachinePolicy;
                await next(context);
                return;
            }

            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            await next(context);
        });
}
