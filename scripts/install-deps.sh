#!/bin/sh
# Install the Debian packages swaplimit needs to build, test and run its demo,
# when they are missing. Needs root for the install; never starts services.
set -eu
PKGS="build-essential clang valgrind libslurm-dev libcmocka-dev bats jq \
      slurm-wlm slurmctld slurmd slurm-client munge util-linux procps \
      mariadb-server slurmdbd qemu-system-x86 debootstrap e2fsprogs"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
		|| missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "swaplimit: missing Debian packages:$missing" >&2
	echo "swaplimit: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "swaplimit: installing$missing"
# No init system here and no wish to start Slurm/munge services at install:
# a policy-rc.d that refuses, removed again afterwards if we created it.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
exit 0
