using Quartz;

namespace ModelConsole.Web.Jobs;

/// <summary>
/// The Quartz scheduler: in memory on one node (clustering on PostgreSQL comes with scale-out), jobs never
/// overlapping themselves, and a missed run skipped rather than caught up: every job looks at "now", so running it
/// twice in a row after a pause would only repeat work.
/// </summary>
public static class JobsSetup
{
    public const string SchedulerName = "ModelConsole";

    public static IServiceCollection AddConsoleJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var interval = TimeSpan.FromSeconds(Math.Clamp(configuration.GetValue("Evaluation:IntervalSeconds", 10), 1, 3600));
        services.AddSingleton<TelemetryPruneJob>();
        services.AddSingleton<EvaluationJob>();
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = SchedulerName);
            q.UseInMemoryStore();
            q.AddJob<TelemetryPruneJob>(j => j.WithIdentity(TelemetryPruneJob.Key));
            q.AddTrigger(t => t.ForJob(TelemetryPruneJob.Key).WithIdentity("telemetry-prune-every-10-minutes", "telemetry")
                .StartAt(DateTimeOffset.UtcNow.AddMinutes(1))
                .WithSimpleSchedule(s => s.WithInterval(TelemetryPruneJob.Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            q.AddJob<EvaluationJob>(j => j.WithIdentity(EvaluationJob.Key));
            q.AddTrigger(t => t.ForJob(EvaluationJob.Key).WithIdentity("evaluate-rules-every-interval", "alerts")
                .StartAt(DateTimeOffset.UtcNow.Add(interval))
                .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
