using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ModelConsole.Web.Auth;

namespace ModelConsole.Web.Services;

/// <summary>
/// The console's own telemetry: OpenTelemetry traces and metrics (ASP.NET Core, HttpClient, EF Core, the runtime and
/// <see cref="ConsoleMetrics"/>), exported over OTLP/HTTP when <c>OpenTelemetry:Endpoint</c> (or the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is set, and scraped at <c>/metrics</c> in Prometheus format when
/// <c>Metrics:Prometheus</c> is true. Neither set: nothing is registered, so nothing listens and nothing costs.
/// </summary>
public static class Observability
{
    public const string PrometheusPath = "/metrics";

    /// <summary>Route lookups are the hot path: one in this many gets a span (every other request gets one).</summary>
    public const int RouteSpanEvery = 100;

    private static long _routeRequests;

    public sealed record Settings(Uri? Endpoint, bool Prometheus)
    {
        public bool Any => Endpoint is not null || Prometheus;
    }

    /// <summary>Reads and checks the two settings; a bad value stops the start with the key's name.</summary>
    public static Settings Read(IConfiguration configuration)
    {
        var endpoint = configuration["OpenTelemetry:Endpoint"] is { Length: > 0 } own ? ("OpenTelemetry:Endpoint", own)
            : configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } standard ? ("OTEL_EXPORTER_OTLP_ENDPOINT", standard)
            : (null, null);
        Uri? uri = null;
        if (endpoint.Item2 is { } text && (!Uri.TryCreate(text, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException($"{endpoint.Item1} must be an absolute http(s) URL (the collector's base address, e.g. http://127.0.0.1:4318).");
        }

        var prometheus = configuration["Metrics:Prometheus"] switch
        {
            null or "" => false,
            var value when bool.TryParse(value, out var parsed) => parsed,
            _ => throw new InvalidOperationException("Metrics:Prometheus must be true or false."),
        };
        return new Settings(uri, prometheus);
    }

    public static IServiceCollection AddConsoleObservability(this IServiceCollection services, Settings settings)
    {
        if (!settings.Any)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ConsoleMetrics.Name, serviceVersion: typeof(Observability).Assembly.GetName().Version?.ToString()));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(ConsoleMetrics.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
            if (settings.Endpoint is { } endpoint)
            {
                metrics.AddOtlpExporter(o => Export(o, endpoint, "v1/metrics"));
            }

            if (settings.Prometheus)
            {
                metrics.AddPrometheusExporter();
            }
        });
        if (settings.Endpoint is { } traces)
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new RouteSampler())
                .AddSource(ConsoleMetrics.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = KeepSpan)
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation()
                .AddOtlpExporter(o => Export(o, traces, "v1/traces")));
        }

        return services;
    }

    /// <summary><c>/metrics</c> for Prometheus, for readers of the console (<c>console:read</c>).</summary>
    public static void MapConsoleObservability(this WebApplication app, Settings settings)
    {
        if (settings.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(PrometheusPath).RequireAuthorization(Policies.ConsoleRead);
        }
    }

    private static void Export(OtlpExporterOptions options, Uri endpoint, string signal)
    {
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signal);
    }

    private static bool KeepSpan(HttpContext context) =>
        !(context.Request.Path.StartsWithSegments("/api/v1/families") && context.Request.Path.Value!.EndsWith("/route", StringComparison.Ordinal))
        || Interlocked.Increment(ref _routeRequests) % RouteSpanEvery == 0;

    /// <summary>
    /// Decides at a request's start, from the path ASP.NET Core passes for sampling, that only one route lookup in
    /// <see cref="RouteSpanEvery"/> gets a span (an unsampled request creates no span at all); everything else is
    /// sampled as its parent says, else always.
    /// </summary>
    private sealed class RouteSampler : Sampler
    {
        private static readonly Sampler Inner = new ParentBasedSampler(new AlwaysOnSampler());
        private long _routes;

        public override SamplingResult ShouldSample(in SamplingParameters parameters)
        {
            if (parameters.Tags is { } tags)
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "url.path" && tag.Value is string path && path.StartsWith("/api/v1/families/", StringComparison.Ordinal) && path.EndsWith("/route", StringComparison.Ordinal))
                    {
                        return Interlocked.Increment(ref _routes) % RouteSpanEvery == 0 ? new SamplingResult(SamplingDecision.RecordAndSample) : new SamplingResult(SamplingDecision.Drop);
                    }
                }
            }

            return Inner.ShouldSample(parameters);
        }
    }
}
