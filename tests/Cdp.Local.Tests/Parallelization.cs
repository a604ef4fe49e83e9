// Each LocalApp starts an in-process Durable Task host with a gRPC sidecar on a loopback port picked before it
// binds (LoopbackPort); apps started at the same moment could still pick the same one. The tests of this assembly
// run one at a time, which costs a few seconds.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
