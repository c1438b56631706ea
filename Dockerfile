# One image for every role; the role is configuration (Platform__Roles).
# Base images are build arguments: point them at the .NET SDK and ASP.NET runtime images your registry serves.
ARG SDK_IMAGE=dotnet/sdk:10.0
ARG RUNTIME_IMAGE=dotnet/aspnet:10.0
FROM ${SDK_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev gcc busybox-static && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish runtime/Platform.Runtime.Cli -c Release -o /out/bin \
 && dotnet publish api -c Release -o /out/app

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/app /app
COPY --from=build /out/bin/platform-runtime /app/platform-runtime
ENV PLATFORM_RUNTIME_BIN=/app/platform-runtime
WORKDIR /app
ENTRYPOINT []
