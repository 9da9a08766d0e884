using System.Globalization;
using System.Text;
using System.Text.Json;
using LanguageExt;
using S3MountHook.CommandLine;
using S3MountHook.Config;
using S3MountHook.Lifecycle;
using S3MountHook.Logging;
using static LanguageExt.Prelude;

namespace S3MountHook.Pipeline;

/// <summary>The commands an operator runs by hand: status and gc. They read no OCI state.</summary>
internal static class OperatorCommands
{
    /// <summary>Lists the managed mounts, as a table or as JSON.</summary>
    public static Eff<HookOutcome> Status(Invocation invocation) =>
        from config in Stages.ResolveConfig(invocation)
        let mounts = ManagedMounts.List(config)
        select new HookOutcome(
            "status",
            $"{mounts.Count} managed containers",
            invocation.Json ? [Json(mounts)] : Table(mounts),
            // Exit 1 when a mount is not alive, so that monitoring can run status as a check.
            mounts.All(mount => mount.Health == MountHealth.Alive)
                ? 0
                : 1
        );

    /// <summary>Sweeps leftovers and reports which containers were removed.</summary>
    public static Eff<HookOutcome> Gc(Invocation invocation, HookLog log) =>
        from config in Stages.ResolveConfig(invocation)
        from removed in Eff(() =>
        {
            log.Path ??= config.LogPath;
            return ManagedMounts.Sweep(config, log);
        })
        select new HookOutcome(
            "gc",
            $"removed {removed.Count} orphaned containers",
            [
                $"removed {removed.Count} orphaned containers{(removed.Count > 0 ? ": " + string.Join(' ', removed) : "")}",
            ]
        );

    private static List<string> Table(IReadOnlyList<ManagedMount> mounts)
    {
        var lines = new List<string>
        {
            "CONTAINER\tHEALTH\tBUCKET\tPREFIX\tTARGET\tMOUNTER\tPID\tSINCE\tREASON",
        };
        lines.AddRange(
            mounts.Select(mount =>
            {
                var record = mount.Record;
                return string.Join(
                    '\t',
                    mount.ContainerId,
                    Health(mount.Health),
                    record?.Bucket ?? "-",
                    record is { Prefix.Length: > 0 } ? record.Prefix : "-",
                    record?.Target ?? "-",
                    record?.Mounter ?? "-",
                    record?.MounterPid.ToString(CultureInfo.InvariantCulture) ?? "-",
                    record?.CreatedAt.ToString("u", CultureInfo.InvariantCulture) ?? "-",
                    mount.Reason
                );
            })
        );
        return lines;
    }

    private static string Json(IReadOnlyList<ManagedMount> mounts)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var mount in mounts)
            {
                json.WriteStartObject();
                json.WriteString("container", mount.ContainerId);
                json.WriteString("health", Health(mount.Health));
                json.WriteString("reason", mount.Reason);
                if (mount.Record is { } record)
                {
                    json.WriteString("bucket", record.Bucket);
                    json.WriteString("prefix", record.Prefix);
                    json.WriteString("target", record.Target);
                    json.WriteString("mounter", record.Mounter);
                    json.WriteNumber("mounterPid", record.MounterPid);
                    json.WriteString("stagingPath", record.StagingPath);
                    json.WriteString("since", record.CreatedAt);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Health(MountHealth health) => health.ToString().ToLowerInvariant();
}
