using Gilmour.Garnet;

// Arguments are Garnet's own (--port, --bind, ...), so they are not read as host configuration.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
builder.ConfigureOpenTelemetry();
builder.Services.AddSingleton(new GarnetArguments(args));
builder.Services.AddHostedService<EmbeddedGarnet>();

await builder.Build().RunAsync();
