// Each LocalApp starts an in-process Durable Task host whose gRPC sidecar binds a loopback port it picks
// beforehand; apps started in parallel (and the webhook receivers) could take each other's pick ("address
// already in use", seen in CI). The tests of this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
