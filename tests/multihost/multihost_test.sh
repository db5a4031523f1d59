#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Several-hosts jobs on simulated hosts (scripts/netns-hosts: network namespaces with private pid
# and mount namespaces). Needs root; exits 77 (skipped) without it or without `ip netns`.
#   multihost_test.sh CASE LAUNCHER BOOTSTRAP_PROG
# CASE:
#   basic      2 hosts x 2 PEs: ranks, size and node grouping (2 nodes of 2); environment forwarding
#   pe_killed  a PE SIGKILLs itself on one host: the job ends everywhere, nothing is left running
#   host_lost  one host's daemon is SIGKILLed mid-job: the job ends everywhere, nothing is left
#   intruder   connections without the secret are refused; the job still completes
#   head_killed  the head causeway-run is SIGKILLed mid-job: every daemon ends its PEs and exits
#   stdin      the head's stdin reaches the --stdin PE on another host intact (more than a pipe
#              holds), the other PEs read nothing; --stdin none feeds nobody
#   suite NET [mpirun]  2 hosts x 2 PEs run PROG (the functional suite) with shm inside each host and
#              network transport NET (ucx, ofi) between them, under causeway-run or, with `mpirun`,
#              under Open MPI's mpirun through the same agent (PMIx bootstrap)
set -uo pipefail

case_name=$1
launcher=$(readlink -f "$2")
prog=$(readlink -f "$3")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
netns_hosts=$(readlink -f "$here/../../scripts/netns-hosts")

if [[ ${MULTIHOST_INSIDE:-} != 1 ]]; then
  "$netns_hosts" check || exit 77
  MULTIHOST_INSIDE=1 exec "$netns_hosts" with 2 "$0" "$@"
fi

work=$(mktemp -d /tmp/causeway-multihost-XXXXXX)
trap 'rm -rf "$work"' EXIT
hosts=10.98.0.2:2,10.98.0.3:2
agent="$netns_hosts agent"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

show() {
  echo "--- exit status $status after ${elapsed}s; stdout ---"
  cat "$work/out"
  echo "--- stderr ---"
  cat "$work/err"
}

# run ARGS...: the launcher with the hosts and agent; sets status and elapsed (seconds).
job_timeout=60
run() {
  local start=$SECONDS
  "$launcher" -H "$hosts" --launch-agent "$agent" --timeout "$job_timeout" "$@" >"$work/out" 2>"$work/err"
  status=$?
  elapsed=$((SECONDS - start))
  show
}

expect_in() {  # FILE TEXT
  grep -qF -- "$2" "$work/$1" || fail "$1 lacks '$2'"
}

# Nothing of the job may survive: no process in either host's namespaces, none with its marker.
expect_nothing_left() {
  local marker=$1 ns pids
  sleep 0.5
  for ns in cwh2 cwh3; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [[ -z $pids ]] || fail "processes left on $ns: $(ps -o pid=,args= -p ${pids//$'\n'/,})"
  done
  pids=$(pgrep -f -- "$marker")
  [[ -z $pids ]] || fail "processes left: $(ps -o pid=,args= -p ${pids//$'\n'/,})"
}

case $case_name in
  basic)
    run "$prog" auto
    [[ $status == 0 ]] || fail "exit status $status"
    for rank in 0 1 2 3; do
      machine=$((rank / 2))
      expect_in out "rank $rank of 4 via causeway-run"
      grep -qE "rank $rank of 4 via causeway-run \(job [0-9a-f]+, machine $machine of 2, local rank $((rank % 2)) of 2\): ok" \
        "$work/out" || fail "rank $rank is not local rank $((rank % 2)) of 2 on machine $machine of 2"
    done
    # Environment: -x NAME=VALUE, -x NAME, and the forwarded prefixes; global ranks; each host's name.
    # The agent starts from an empty environment, as ssh would: only what causeway-run forwards arrives.
    export MH_FROM_HEAD=passed SHMEM_MH_PROBE=shmem CAUSEWAY_MH_PROBE=causeway MH_NOT_FORWARDED=leak
    agent="env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $netns_hosts agent"
    run -x MH_SET=set -x MH_FROM_HEAD --tag-output \
      /bin/sh -c 'echo "env $CAUSEWAY_RANK/$CAUSEWAY_SIZE $(hostname) ${MH_SET:-} ${MH_FROM_HEAD:-} ${SHMEM_MH_PROBE:-} ${CAUSEWAY_MH_PROBE:-} ${MH_NOT_FORWARDED:-none} $(pwd)"'
    [[ $status == 0 ]] || fail "exit status $status"
    for rank in 0 1 2 3; do
      expect_in out "[pe $rank] env $rank/4 cwh$((rank / 2 + 2)) set passed shmem causeway none $PWD"
    done
    ;;

  stdin)
    head -c 300000 /dev/urandom >"$work/input"
    want=$(md5sum <"$work/input" | cut -d' ' -f1)
    for target in 2 none; do
      run --stdin "$target" --tag-output /bin/sh -c 'echo "input $(md5sum | cut -d" " -f1) $(hostname)"' \
        <"$work/input"
      [[ $status == 0 ]] || fail "--stdin $target: exit status $status"
      for rank in 0 1 2 3; do
        if [[ $rank == "$target" ]]; then
          expect_in out "[pe $rank] input $want cwh$((rank / 2 + 2))"
        else
          expect_in out "[pe $rank] input d41d8cd98f00b204e9800998ecf8427e"  # nothing: the md5 of ""
        fi
      done
    done
    ;;

  pe_killed)
    marker=mh-pe-killed-$$
    run "$prog" auto kill=3 "$marker"
    [[ $status == 137 ]] || fail "exit status $status, want 137 (128 + SIGKILL)"
    ((elapsed <= 15)) || fail "the job took ${elapsed}s to end"
    grep -qE "causeway-run: PE 3 \(pid [0-9]+ on 10.98.0.3\) was killed by signal 9" "$work/err" ||
      fail "no report of PE 3's death"
    expect_nothing_left "$marker"
    ;;

  host_lost)
    marker=mh-host-lost-$$
    start=$SECONDS
    "$launcher" -H "$hosts" --launch-agent "$agent" --timeout 60 "$prog" auto sleep=30 "$marker" \
      >"$work/out" 2>"$work/err" &
    head=$!
    for _ in $(seq 100); do
      (($(grep -c ' ready$' "$work/out") == 4)) && break
      sleep 0.2
    done
    daemon=$(pgrep -f -- "^$launcher --host-daemon .*--host-index 1 " | while read -r pid; do
      [[ $(ip netns identify "$pid" 2>/dev/null) == cwh3 ]] && echo "$pid"
    done)
    if [[ -z $daemon ]]; then
      fail "no daemon found on cwh3"
    else
      kill -9 $daemon
    fi
    wait "$head"
    status=$?
    elapsed=$((SECONDS - start))
    show
    [[ $status != 0 ]] || fail "exit status 0 after losing a host"
    ((elapsed <= 20)) || fail "the job took ${elapsed}s to end"
    expect_in err "causeway-run: lost host 10.98.0.3 (ranks 2-3)"
    expect_nothing_left "$marker"
    ;;

  head_killed)
    marker=mh-head-killed-$$
    "$launcher" -H "$hosts" --launch-agent "$agent" --timeout 60 "$prog" auto sleep=30 "$marker" \
      >"$work/out" 2>"$work/err" &
    head=$!
    for _ in $(seq 100); do
      (($(grep -c ' ready$' "$work/out") == 4)) && break
      sleep 0.2
    done
    kill -9 "$head"
    wait "$head" 2>/dev/null
    for _ in $(seq 50); do
      [[ -z $(ip netns pids cwh2)$(ip netns pids cwh3) ]] && break
      sleep 0.2
    done
    status=137 elapsed=-
    show
    expect_in err "host daemon on 10.98.0.2: the connection to the head closed; ending its PEs"
    expect_in err "host daemon on 10.98.0.3: the connection to the head closed; ending its PEs"
    expect_nothing_left "$marker"
    ;;

  intruder)
    # An agent that first lets three strangers connect to the head's port from host cwh2: one
    # sending garbage, one with the right magic but no secret, one saying nothing at all.
    cat >"$work/intruding-agent" <<EOF
#!/usr/bin/env bash
head= port=
args=("\$@")
for ((i = 0; i < \${#args[@]}; ++i)); do
  [[ \${args[i]} == --head ]] && head=\${args[i + 1]}
  [[ \${args[i]} == --port ]] && port=\${args[i + 1]}
done
if [[ \$1 == 10.98.0.2 ]]; then
  ip netns exec cwh2 bash -c "exec 3<>/dev/tcp/\$head/\$port; head -c 40 /dev/zero | tr '\\\\0' x >&3; sleep 0.3"
  ip netns exec cwh2 bash -c "exec 3<>/dev/tcp/\$head/\$port; printf 'CWR1\\\\0\\\\0\\\\0\\\\0' >&3; head -c 32 /dev/zero >&3; sleep 0.3"
  ip netns exec cwh2 bash -c "exec 3<>/dev/tcp/\$head/\$port; sleep 20" </dev/null >/dev/null 2>&1 &
  sleep 0.3
fi
exec $netns_hosts agent "\$@"
EOF
    chmod +x "$work/intruding-agent"
    agent=$work/intruding-agent
    run "$prog" auto
    [[ $status == 0 ]] || fail "exit status $status"
    ((elapsed <= 15)) || fail "the job took ${elapsed}s"
    expect_in err "refused a connection from 10.98.0.2: not a causeway-run host daemon"
    expect_in err "refused a connection from 10.98.0.2: wrong secret"
    (($(grep -c ': ok$' "$work/out") == 4)) || fail "not every rank finished"
    # The silent stranger still waits in cwh2; the teardown of the hosts ends it.
    ;;

  suite)
    net=${4:-ucx}
    export CAUSEWAY_TRANSPORTS=self,shm,$net CAUSEWAY_EXPECT_NPES=4
    # libfabric's network provider here. UCX is pinned to tcp: the simulated hosts share one kernel
    # (one boot id), so UCX would take them for one machine and try shared memory and CMA across
    # them, which their private pid and mount namespaces break (a hang, not an error).
    [[ $net == ofi ]] && export FI_PROVIDER='tcp;ofi_rxm'
    [[ $net == ucx ]] && export UCX_TLS=tcp,self
    if [[ ${5:-} == mpirun ]]; then
      command -v mpirun >/dev/null || { echo "SKIP: no mpirun"; exit 77; }
      export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 CAUSEWAY_BOOTSTRAP=pmix
      start=$SECONDS
      timeout 240 mpirun --mca plm_rsh_agent "$agent" --mca oob_tcp_if_include 10.98.0.0/24 \
        -H "$hosts" -np 4 -x CAUSEWAY_TRANSPORTS -x CAUSEWAY_EXPECT_NPES -x CAUSEWAY_BOOTSTRAP \
        ${FI_PROVIDER:+-x FI_PROVIDER} ${UCX_TLS:+-x UCX_TLS} ${GTEST_FILTER:+-x GTEST_FILTER} "$prog" >"$work/out" 2>"$work/err"
      status=$? elapsed=$((SECONDS - start))
      show
    else
      job_timeout=240
      run ${GTEST_FILTER:+-x GTEST_FILTER} "$prog"
    fi
    [[ $status == 0 ]] || fail "exit status $status"
    grep -q 'all PEs passed' "$work/out" || fail "not every PE passed"
    ;;

  *)
    echo "unknown case '$case_name'"
    exit 2
    ;;
esac

((failures == 0)) || exit 1
echo "PASS: $case_name"
