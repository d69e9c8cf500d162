# Shared by the boot and stop scripts (sourced).
export PATH=/usr/sbin:/usr/bin

# Progress markers the host reads from the serial console: "berth: <what>".
# Also kept with the kernel uptime in /run/berth/boot.log for timing boots.
say() {
	echo "berth: $*" >/dev/console
	mark "$*"
}

# A step's kernel uptime, in /run/berth/boot.log only (for finding where boot time goes).
mark() {
	read -r up _ </proc/uptime
	echo "$up $*" >>/run/berth/boot.log
}

# Config the host passes with -fw_cfg name=opt/berth/<name>,...; prints nothing if absent.
FWCFG=/sys/firmware/qemu_fw_cfg/by_name/opt/berth
fwcfg() {
	[ -r "$FWCFG/$1/raw" ] && cat "$FWCFG/$1/raw"
}

DATA=/mnt/data
