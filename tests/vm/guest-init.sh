#!/bin/bash
# PID 1 of the test VM (tests/vm/vm.sh): a bare Debian root with cgroup v2,
# no systemd, no network device. Sets up what an init would, runs the
# real-cluster suite exactly as on the host, writes the results as a tar
# archive to the second disk (/dev/vdb) and powers off. If anything here
# exits, the kernel panics and (panic=1, -no-reboot) QEMU stops: the host
# then reports "no results".
# Facts this relies on: /work/shared/notes/slurm-facts.md ("Newer Slurm and
# a real cgroup v2").
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 SWL_IN_VM=1
umask 022   # the kernel gives PID 1 umask 0: munged refuses such dirs
cd /

t0=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)
mnt() { mountpoint -q "$2" 2>/dev/null || mount -t "$1" "$1" "$2"; }
mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
mkdir -p /dev/pts /dev/shm && mnt devpts /dev/pts && mnt tmpfs /dev/shm
mnt tmpfs /run
# /tmp stays on the ext4 root: the harness puts its swap file there (not on tmpfs)
chmod 1777 /tmp
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "guest: kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# Slurm's getaddrinfo(AI_ADDRCONFIG) fails when the only address is
# loopback: a dummy interface with a second loopback-range address fixes
# it and keeps every packet inside the VM.
hostname swlvm
ip link set lo up
ip link add dummy0 type dummy && ip addr add 127.0.1.1/32 dev dummy0 && ip link set dummy0 up
grep -q swlvm /etc/hosts 2>/dev/null || echo "127.0.1.1 swlvm" >>/etc/hosts

# munge 0.5.16+ wants these, owned by munge (the package's tmpfiles.d would).
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge

. /swaplimit/tests/vm/guest.env
if [ "${SWL_VM_MODE:-test}" != test ]; then
	echo "guest: up in ${t0%.*}s of boot; running the ${SWL_VM_MODE}"
else
	echo "guest: up in ${t0%.*}s of boot; running the suite (${SWL_VM_FILES:-every file})"
fi
mkdir -p /results
cd /swaplimit
if [ "${SWL_VM_MODE:-test}" = bench ]; then
	echo "guest: running bench/bench_cluster.sh (N=${BENCH_N:-20})"
	BENCH_N=${BENCH_N:-20} BENCH_BLOCK=${BENCH_BLOCK:-10} BENCH_BATCH_N=${BENCH_BATCH_N:-0} \
		BENCH_AUX_BLOCK=${BENCH_AUX_BLOCK:-0} BENCH_PROFILE=0 BENCH_OUT=/results/bench \
		SWL_POLL=0.5 SWL_JOB_TIMEOUT=300 bench/bench_cluster.sh 2>&1
	echo $? >/results/bench.rc
	tar -cf /dev/vdb -C /results . && sync
	echo o >/proc/sysrq-trigger
	sleep 30
fi
if [ "${SWL_VM_MODE:-test}" = demo ]; then
	SWL_POLL=0.5 SWL_JOB_TIMEOUT=300 scripts/demo.sh 2>&1
	echo $? >/results/demo.rc
	tar -cf /dev/vdb -C /results . && sync
	echo o >/proc/sysrq-trigger
	sleep 30
fi
# shellcheck disable=SC2086
RESULTS=/results SWL_LOCK_WAIT=60 SWL_SAVE_LOGS=/results/logs SWL_POLL=0.5 SWL_JOB_TIMEOUT=300 tests/integration/run.sh ${SWL_VM_FILES:+$(for f in $SWL_VM_FILES; do echo tests/integration/$f; done)} 2>&1
tar -cf /dev/vdb -C /results . && sync
echo "guest: results written; powering off"
echo s >/proc/sysrq-trigger
echo u >/proc/sysrq-trigger
echo o >/proc/sysrq-trigger
sleep 30
