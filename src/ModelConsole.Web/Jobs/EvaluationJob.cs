using ModelConsole.Web.Services;
using Quartz;

namespace ModelConsole.Web.Jobs;

/// <summary>
/// Evaluates every family's rules every <c>Evaluation:IntervalSeconds</c>. Never two at once; a run missed while the
/// machine was paused is skipped (the next one looks at the same sliding windows, so catching up adds nothing).
/// </summary>
[DisallowConcurrentExecution]
public sealed class EvaluationJob(EvaluationService evaluation) : IJob
{
    public static readonly JobKey Key = new("evaluate-rules", "alerts");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await evaluation.EvaluateAllAsync(cancellationToken);
}
