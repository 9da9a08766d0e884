// Tests run one at a time: the end-to-end ones start real mounters and containers on a 2-core
// machine, and their leftover checks read machine-wide state (the mount table, live processes)
// that a test running beside them would change.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
