namespace ModelConsole.Web.Services;

/// <summary>What start-up established: the database is migrated (and seeded), and whether it holds demo data.</summary>
public sealed class Readiness
{
    private volatile bool _ready;
    private volatile bool _demoDatabase;

    public bool IsReady => _ready;

    public bool IsDemoDatabase => _demoDatabase;

    public void MarkReady(bool demoDatabase)
    {
        _demoDatabase = demoDatabase;
        _ready = true;
    }
}
