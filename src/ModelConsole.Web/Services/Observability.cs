using System.Diagnostics;
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

    /// <summary>
    /// At most this many requests a second get a span: every request while traffic is light, a bounded sample when
    /// gateways send tens of thousands of route lookups (an unsampled request creates no span at all).
    /// </summary>
    public const int RequestSpansPerSecond = 100;

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
                .SetSampler(new RequestSampler())
                .AddSource(ConsoleMetrics.Name)
                // ASP.NET Core's own activity source, without the instrumentation's diagnostic-listener hooks: an
                // unsampled request then creates no span at all (the hooks cost the route lookup 17 % of its req/s);
                // UseConsoleObservability gives the sampled ones their HTTP attributes.
                .AddSource("Microsoft.AspNetCore")
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation()
                .AddOtlpExporter(o => Export(o, traces, "v1/traces")));
        }

        return services;
    }

    /// <summary>
    /// Gives each sampled request span its HTTP attributes (OpenTelemetry's semantic conventions) and a name of
    /// method and route, once the request is answered. First in the pipeline, so the route fast path's are named too.
    /// </summary>
    public static void UseConsoleObservability(this WebApplication app, Settings settings)
    {
        if (settings.Endpoint is null)
        {
            return;
        }

        app.Use(async (context, next) =>
        {
            var activity = Activity.Current;
            if (activity is not { IsAllDataRequested: true } || activity.Source.Name != "Microsoft.AspNetCore")
            {
                await next(context);
                return;
            }

            try
            {
                await next(context);
            }
            finally
            {
                Describe(activity, context);
            }
        });
    }

    private static void Describe(Activity activity, HttpContext context)
    {
        var request = context.Request;
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var status = context.Response.StatusCode;
        activity.DisplayName = route is null ? request.Method : $"{request.Method} {route}";
        activity.SetTag("http.request.method", request.Method);
        activity.SetTag("url.scheme", request.Scheme);
        activity.SetTag("url.path", request.Path.Value);
        activity.SetTag("server.address", request.Host.Host);
        if (request.Host.Port is { } port)
        {
            activity.SetTag("server.port", port);
        }

        if (route is not null)
        {
            activity.SetTag("http.route", route);
        }

        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
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

    /// <summary>
    /// Request spans (ASP.NET Core's <c>HttpRequestIn</c>) capped at <see cref="RequestSpansPerSecond"/> a second
    /// (ASP.NET Core passes nothing about the request when a span is created, so the cap cannot single out route
    /// lookups); a request whose caller's trace is not sampled is not either. Everything else follows its parent,
    /// and is sampled when it has none (evaluation passes).
    /// </summary>
    private sealed class RequestSampler : Sampler
    {
        private const string Request = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
        private static readonly SamplingResult Sample = new(SamplingDecision.RecordAndSample);
        private static readonly SamplingResult Drop = new(SamplingDecision.Drop);
        private long _second;
        private int _taken;

        public override SamplingResult ShouldSample(in SamplingParameters parameters)
        {
            var parent = parameters.ParentContext;
            var parentSampled = parent.TraceId == default || parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded);
            if (parameters.Name != Request)
            {
                return parentSampled ? Sample : Drop;
            }

            if (!parentSampled)
            {
                return Drop;
            }

            var second = Stopwatch.GetTimestamp() / Stopwatch.Frequency;
            if (Volatile.Read(ref _second) != second)
            {
                Volatile.Write(ref _second, second);
                Volatile.Write(ref _taken, 0);
            }

            return Interlocked.Increment(ref _taken) <= RequestSpansPerSecond ? Sample : Drop;
        }
    }
}
