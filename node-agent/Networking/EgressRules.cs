using System.Net;

namespace Platform.NodeAgent.Networking;

/// <summary>
/// The host's nftables table for egress instances, as one atomic <c>nft -f</c> transaction that replaces any
/// earlier copy (agents sharing a host write the same table). Every rule matches on the links' interface
/// prefix, so the host's other traffic, and other tables such as Docker's, are left alone.
/// </summary>
internal static class EgressRules
{
    public const string Table = "platform_egress";

    public static string Render(IPNetwork subnet, IReadOnlyList<IPNetwork> denied)
    {
        var links = $"\"{EgressAddresses.InterfacePrefix}*\"";
        var deniedElements = string.Join(", ", denied.Append(subnet).Select(n => n.ToString()).Distinct());
        return $$"""
            table inet {{Table}} {}
            delete table inet {{Table}}
            table inet {{Table}} {
              set denied {
                type ipv4_addr; flags interval; auto-merge
                elements = { {{deniedElements}} }
              }
              # Out through whatever route the host has, as the host's own address.
              chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                ip saddr {{subnet}} oifname != {{links}} masquerade
              }
              # Never to another instance, nor to the denied networks; IPv4 only.
              chain forward {
                type filter hook forward priority filter; policy accept;
                iifname {{links}} oifname {{links}} reject with icmpx type admin-prohibited
                iifname {{links}} meta nfproto ipv6 drop
                iifname {{links}} ip daddr @denied reject with icmpx type admin-prohibited
              }
              # Nothing of the node itself (its agent, the api, anything listening on any of its addresses).
              chain input {
                type filter hook input priority filter; policy accept;
                iifname {{links}} ct state established,related accept
                iifname {{links}} meta l4proto tcp reject with tcp reset
                iifname {{links}} reject with icmpx type admin-prohibited
              }
            }

            """;
    }
}
