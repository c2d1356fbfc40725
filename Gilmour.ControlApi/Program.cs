using Gilmour.ControlApi;
using Gilmour.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGilmourRedisClient();
builder.AddControlApi();

var app = builder.Build();
app.UseControlApi();
app.MapDefaultEndpoints();
app.Run();
