// WebApplicationFactory intercepts host building process-wide; factories started in parallel by different test
// classes can pick up each other's settings. These tests depend on per-factory configuration, so classes run one
// after another (a start-up-validation test failed once in parallel runs with another class's settings).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
