#!/usr/bin/env bash
# Two "machines" on this one: network namespaces r1-host-a and r1-host-b, each with its own
# hostname, joined by a veth pair whose rate tc limits, and `mpirun` launching one rank on each
# (Open MPI's rsh agent is `ip netns exec`, so the ranks talk TCP over the veth link, not shared
# memory). Prints the command's output, its wall time and the bytes that crossed the link.
#
#   sudo scripts/netns_cluster.sh [--rate 1gbit] [--np-per-host 1] -- r1 ARGS...
#   e.g. scripts/netns_cluster.sh -- build/r1 pretrain --model m --data d.bin --out o -t 1
#
# Not part of the tests (it needs root and changes the network setup while it runs). tc netem
# (added delay) is used when the kernel has it; otherwise only the rate is limited (tbf). Ranks
# are not bound to cores (both "machines" share this one's cores; bound, both would take core 0).
set -euo pipefail

rate=1gbit
per_host=1
while (($#)); do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --np-per-host) per_host="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--rate 1gbit] [--np-per-host N] -- r1 ARGS..." >&2; exit 2 ;;
  esac
done
(($#)) || { echo "usage: $0 [--rate 1gbit] [--np-per-host N] -- r1 ARGS..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (ip netns, tc)" >&2; exit 1; }

a=r1-host-a b=r1-host-b ip_a=10.77.0.1 ip_b=10.77.0.2
work="$(mktemp -d)"
cleanup() {
  ip netns del "$a" 2> /dev/null || true
  ip netns del "$b" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup
work="$(mktemp -d)"

ip netns add "$a"
ip netns add "$b"
ip link add r1-veth-a type veth peer name r1-veth-b
ip link set r1-veth-a netns "$a"
ip link set r1-veth-b netns "$b"
ip -n "$a" addr add "$ip_a/24" dev r1-veth-a
ip -n "$b" addr add "$ip_b/24" dev r1-veth-b
for ns in "$a" "$b"; do
  ip -n "$ns" link set lo up
  dev=r1-veth-${ns##*-}
  ip -n "$ns" link set "$dev" up
  if ! ip netns exec "$ns" tc qdisc add dev "$dev" root netem rate "$rate" delay 0.1ms 2> /dev/null; then
    ip netns exec "$ns" tc qdisc add dev "$dev" root tbf rate "$rate" burst 1mb latency 20ms
  fi
done
echo "link: $(ip netns exec "$a" tc qdisc show dev r1-veth-a | head -1)"

# Open MPI's agent for starting its daemon on the other "machine".
cat > "$work/agent.sh" << AGENT
#!/bin/sh
host="\$1"; shift
case "\$host" in
  $ip_a) ns=$a ;;
  $ip_b) ns=$b ;;
  *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$ns; \$*"
AGENT
chmod +x "$work/agent.sh"

bytes() { ip netns exec "$a" cat /sys/class/net/r1-veth-a/statistics/"$1"_bytes; }
tx0=$(bytes tx) rx0=$(bytes rx)
start=$(date +%s.%N)
set +e
ip netns exec "$a" unshare --uts sh -c "hostname $a; exec mpirun --allow-run-as-root \
  --host $ip_a:$per_host,$ip_b:$per_host -np $((2 * per_host)) --bind-to none \
  --mca plm_rsh_agent $work/agent.sh --mca btl tcp,self \
  --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 $*"
rc=$?
set -e
end=$(date +%s.%N)
tx=$(($(bytes tx) - tx0)) rx=$(($(bytes rx) - rx0))
echo "netns_cluster: exit $rc, $(echo "$end - $start" | bc) s wall; link bytes a->b $tx, b->a $rx"
exit $rc
