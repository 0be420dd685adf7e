using EmsSharp.Server;

return await EmsHost.RunAsync(args).ConfigureAwait(false);
