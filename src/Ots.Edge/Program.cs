using Ots.Edge.Hosting;

// The slim Kestrel host with OtsConnectionHandler on every endpoint; see Hosting/EdgeHost.cs.
return await EdgeHost.RunAsync(args);
