using BenchmarkDotNet.Running;

// Not typeof(Program): the referenced ems assembly has a Program of its own (visible through InternalsVisibleTo).
BenchmarkSwitcher.FromAssembly(typeof(EmsSharp.Benchmarks.Hub.HubFanOutBenchmark).Assembly).Run(args);
