using Gilmour.ControlApi;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// Not aborting on a failed first connect lets the API start while Redis is briefly late; it reconnects.
builder.AddRedisClient("redis", configureOptions: redis => redis.AbortOnConnectFail = false);
builder.AddControlApi();

var app = builder.Build();
app.UseControlApi();
app.MapDefaultEndpoints();
app.Run();
