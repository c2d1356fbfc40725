using Gilmour.AppHost;
using Gilmour.AppHost.SampleNodes;

var builder = DistributedApplication.CreateBuilder(args);

// A second app host, or another program on a fixed port, gets one line instead of a long stack trace.
if (!builder.ExecutionContext.IsPublishMode)
    PortCheck.ExitIfTaken(builder.Configuration);

// Redis (container, redis-server, Garnet or external, per Gilmour:Redis:Mode and what the machine has), the control
// API on port 5080, the dispatcher and the health monitor. A publish secures it with a generated admin key.
var gilmour = builder.AddGilmour("gilmour");

// Each sample node gets the control API's URL (and key, when there is one) and starts once the bus can take its
// registration. Its transport: Gilmour:SampleNodes:Transport locally (default callback), stream when deployed.
var transport = SampleNodeTransport.Choose(builder);

var python = SampleNodeFolder.Of(builder, "Gilmour.SampleNode.Python");
builder.AddExecutable("pythonnode", "python3", python.Path, "-u", "sample_node.py")
    .WithTransport(transport)
    .WithReference(gilmour)
    .PublishFromRepository(python);

var typeScript = SampleNodeFolder.Of(builder, "Gilmour.SampleNode.TypeScript");
if (typeScript.CanRun(builder, "node", "npm"))
    builder.AddExecutable("typescriptnode", "node", typeScript.Path, "dist/sample_node.js")
        .WithNpmBuild(typeScript, "dist/sample_node.js")
        .WithTransport(transport)
        .WithReference(gilmour)
        .PublishFromRepository(typeScript);

builder.Build().Run();
