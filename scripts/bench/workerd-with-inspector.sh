#!/bin/sh
# Miniflare runs `$MINIFLARE_WORKERD_PATH serve <flags> -` when that variable is set. The benchmark
# points it here to give edgecd's workerd a DevTools inspector (heap, CPU profile) without
# changing how the launcher hosts it. `exec` keeps the control pipe (fd 3) and the PID.
real="${EDGECD_BENCH_REAL_WORKERD:?set EDGECD_BENCH_REAL_WORKERD}"
port="${EDGECD_BENCH_INSPECTOR_PORT:?set EDGECD_BENCH_INSPECTOR_PORT}"
sub="$1"
shift
exec "$real" "$sub" "--inspector-addr=127.0.0.1:$port" "$@"
