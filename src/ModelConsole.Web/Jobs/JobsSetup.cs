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

    public static IServiceCollection AddConsoleJobs(this IServiceCollection services)
    {
        services.AddSingleton<TelemetryPruneJob>();
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = SchedulerName);
            q.UseInMemoryStore();
            q.AddJob<TelemetryPruneJob>(j => j.WithIdentity(TelemetryPruneJob.Key));
            q.AddTrigger(t => t.ForJob(TelemetryPruneJob.Key).WithIdentity("telemetry-prune-every-10-minutes", "telemetry")
                .StartAt(DateTimeOffset.UtcNow.AddMinutes(1))
                .WithSimpleSchedule(s => s.WithInterval(TelemetryPruneJob.Interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
