using Gilmour.Dispatcher;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGilmourRedisClient();
builder.AddDispatcher();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
