using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using LanguageExt;
using S3MountHook.Errors;
using static LanguageExt.Prelude;

namespace S3MountHook.Plan;

/// <summary>
/// Decides which hosts a container may name in S3_ENDPOINT_URL. The mounter runs as root in the
/// host's (or VM's) network namespace. An endpoint on a loopback or link-local address would let
/// a pod author send requests to services that only the host can reach, such as a local daemon
/// or the instance metadata service, and read their status back from the hook's error.
/// </summary>
internal static class EndpointPolicy
{
    /// <summary>
    /// Accepts the endpoint when the config lists its host, or, with no list, when its host is not
    /// "localhost" and not a literal loopback, link-local or unspecified address. A non-empty list
    /// allows only the hosts on it.
    /// </summary>
    // NOTE: a DNS name that resolves to a loopback address passes the default policy. Operators who
    // need that closed set allowed_endpoint_hosts, which then admits only the hosts listed.
    public static Fin<string> Check(string endpoint, ImmutableArray<string> allowedHosts)
    {
        var host = new Uri(endpoint).Host.ToLowerInvariant();
        var bare = host.Trim('[', ']');
        if (!allowedHosts.IsDefaultOrEmpty)
        {
            return allowedHosts.Any(allowed => allowed.Trim('[', ']') == bare)
                ? endpoint
                : Reject(host, "is not in allowed_endpoint_hosts of the hook config");
        }

        return IsHostLocal(bare)
            ? Reject(
                host,
                "is a loopback, link-local or unspecified address, which only the host itself can reach"
            )
            : endpoint;
    }

    private static bool IsHostLocal(string host)
    {
        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return true;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address)
            || address.Equals(IPAddress.Any)
            || address.Equals(IPAddress.IPv6None)
            || address.IsIPv6LinkLocal
            || (
                address.AddressFamily == AddressFamily.InterNetwork
                && address.GetAddressBytes() is [169, 254, ..]
            );
    }

    private static Fin<string> Reject(string host, string reason) =>
        FinFail<string>(
            HookError.New(
                HookErrorCode.EndpointInvalid,
                $"S3_ENDPOINT_URL host {host} {reason}; use the S3 service's address, or have the operator add the host to allowed_endpoint_hosts"
            )
        );
}
