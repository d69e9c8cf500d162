#!/bin/bash
# Make the upgrade-in-place fixture: a data disk written by an image's engine (the Debian 12 image,
# Docker 20.10, when the fixture was made), for a test that boots the current image on it and
# checks that nothing was lost. Boots IMAGE_DIR (vmlinuz, initrd.img, rootfs.squashfs,
# manifest.json) on a blank disk, leaves on it: an imported image under two tags, a named volume
# with a file, a stopped container (name, env, label, restart policy, volume, network) that has run
# once and one that was only created, a user network; powers it off cleanly and writes
#   OUT_DIR/data.qcow2.xz      the disk (qcow2, compressed clusters, then xz)
#   OUT_DIR/expected.json      what must still be there, with the SSH host key's fingerprint
# Usage: vm-images/scripts/make-upgrade-fixture.sh IMAGE_DIR OUT_DIR
# Needs: qemu-system-x86, qemu-utils, openssh-client, python3, xz-utils, a docker CLI.
set -euo pipefail
img=$(cd "$1" && pwd)
mkdir -p "$2"
outdir=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/berth-fixture.XXXXXX)
qpid=
trap '[ -n "$qpid" ] && kill $qpid 2>/dev/null; rm -rf "$work"' EXIT

# 1 GiB is enough for the few MB written; the upgraded machine grows it (resize2fs at boot).
qemu-img create -q -f qcow2 "$work/data.qcow2" 1G
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
cmdline=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cmdline"])' "$img/manifest.json")
echo '{}' >"$work/daemon.json"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$work/console.log
qemu-system-x86_64 -machine q35 -accel tcg,tb-size=64 -cpu max -smp 2 -m 2048 -nodefaults -no-user-config -display none \
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" -append "$cmdline" \
	-drive if=none,id=root,file="$img/rootfs.squashfs",format=raw,readonly=on -device virtio-blk-pci,drive=root,serial=berth-root \
	-drive if=none,id=data,file="$work/data.qcow2",format=qcow2 -device virtio-blk-pci,drive=data,serial=berth-data \
	-netdev user,id=net0,hostfwd=tcp:127.0.0.1:"$port"-:22 -device virtio-net-pci,netdev=net0 \
	-device virtio-rng-pci -device virtio-balloon-pci,free-page-reporting=on \
	-fw_cfg name=opt/berth/authorized_keys,file="$work/key.pub" -fw_cfg name=opt/berth/hostname,string=berth-fixture \
	-fw_cfg name=opt/berth/daemon.json,file="$work/daemon.json" \
	-serial file:"$log" -qmp unix:"$work/qmp.sock",server=on,wait=off &
qpid=$!
end=$(($(date +%s) + 180))
until grep -q 'berth: engine ready' "$log" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$end" ] || ! kill -0 "$qpid" 2>/dev/null; then
		echo "FAIL: the engine did not start"
		tail -n 20 "$log"
		exit 1
	fi
	sleep 0.2
done
SSH() { ssh -i "$work/key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1 "$@"; }
until SSH true 2>/dev/null; do sleep 0.2; done
SSH -N -o ExitOnForwardFailure=yes -L "$work/docker.sock:/var/run/docker.sock" &
fwd=$!
until [ -S "$work/docker.sock" ]; do sleep 0.05; done
export DOCKER_HOST=unix://$work/docker.sock
D() { docker "$@"; }

bb=$(printf '%s\n' "$here"/vm-images/cache/unpacked/busybox-static_*/usr/bin/busybox "$here"/vm-images/cache/unpacked/busybox-static_*/bin/busybox | while read -r f; do [ -e "$f" ] && echo "$f"; done | head -1)
mkdir -p "$work/img/bin"
cp "$bb" "$work/img/bin/busybox"
for a in sh echo cat ls sleep; do ln -sf busybox "$work/img/bin/$a"; done
tar -C "$work/img" -c . | D import -c 'CMD ["sh"]' - berth-upgrade/busybox:1 >/dev/null
D tag berth-upgrade/busybox:1 berth-upgrade/busybox:latest
D volume create --label berth.fixture=1 keep-me >/dev/null
D network create --label berth.fixture=1 keep-net >/dev/null
# Ran once and exited: wrote into the volume.
D run --name ran-once -e KEEP=ran --label berth.fixture=ran --network keep-net -v keep-me:/data \
	berth-upgrade/busybox:1 sh -c 'echo written-by-the-old-engine >/data/file.txt; cat /data/file.txt' >/dev/null
# Created, never started, with settings that must survive.
D create --name created-only -e KEEP=created --label berth.fixture=created --restart on-failure:3 \
	-v keep-me:/data -p 127.0.0.1:18080:80 berth-upgrade/busybox:1 cat /data/file.txt >/dev/null
engine=$(D version --format '{{.Server.Version}}')
fp=$(SSH 'ssh-keygen -lf /mnt/data/berth/ssh/ssh_host_ed25519_key.pub' | awk '{print $2}')
images=$(D image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' | sort)
containers=$(D ps -a --format '{{.Names}} {{.ID}} {{.Status}}' | sort)
kill $fwd 2>/dev/null || true

python3 - "$work/qmp.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rw')
f.readline()
for cmd in ('qmp_capabilities', 'system_powerdown'):
    f.write('{"execute":"%s"}\n' % cmd); f.flush(); f.readline()
PY
n=0
while kill -0 $qpid 2>/dev/null; do sleep 0.2; n=$((n + 1)); [ $n -gt 150 ] && { echo "FAIL: QEMU did not exit"; exit 1; }; done
qpid=
grep -q 'berth: stopped' "$log" || { echo "FAIL: no clean stop"; tail -n 20 "$log"; exit 1; }

qemu-img convert -c -O qcow2 "$work/data.qcow2" "$work/small.qcow2"
xz -9 -T1 -c "$work/small.qcow2" >"$outdir/data.qcow2.xz"
python3 - "$outdir/expected.json" "$engine" "$fp" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputsHash"])' "$img/manifest.json")" "$images" "$containers" <<'PY'
import json, sys
out, engine, fp, image_hash, images, containers = sys.argv[1:]
json.dump({
    "madeBy": {"engine": engine, "imageInputsHash": image_hash,
               "command": "vm-images/scripts/make-upgrade-fixture.sh IMAGE_DIR OUT_DIR"},
    "sshHostKeySha256": fp,
    "images": {l.split()[0]: l.split()[1] for l in images.splitlines()},
    "containers": {l.split()[0]: l.split()[1] for l in containers.splitlines()},
    "volumes": {"keep-me": {"file.txt": "written-by-the-old-engine"}},
    "networks": ["keep-net"],
}, open(out, "w"), indent=2)
open(out, "a").write("\n")
PY
ls -l "$outdir"
cat "$outdir/expected.json"
