using Gilmour.Dispatcher;
using Gilmour.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGilmourRedisClient();
builder.AddDispatcher();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
