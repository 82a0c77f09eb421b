// Every test here starts real processes and measures time bounds on a 2-core machine: one at a time, so a test's
// bounds hold against the load of the machine, not of the tests next to it.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
