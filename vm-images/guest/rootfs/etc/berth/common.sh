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

# The device of the disk the host gave this virtio serial (/dev/vdX), or nothing: disks are named by
# the serial the host gives them, never by their order.
disk_with_serial() {
	for s in /sys/block/vd*/serial; do
		[ "$(cat "$s" 2>/dev/null)" = "$1" ] && { d=${s%/serial}; echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

# Undoes the octal escapes (a backslash and three digits) of /proc/mounts and of the shares table:
# the kernel writes a space in a mount point as \040, a tab \011, a newline \012, a backslash \134,
# so a shared folder named "My Project" must be read back before it can be unmounted or compared.
# The awk function, for scripts that read /proc/mounts with awk; unescape for a single string.
UNESCAPE_AWK='
function unescape(s,  out, i) {
	out = ""
	while ((i = index(s, "\\")) > 0) {
		out = out substr(s, 1, i - 1)
		if (substr(s, i + 1, 3) ~ /^[0-7][0-7][0-7]$/) {
			out = out sprintf("%c", substr(s, i + 1, 1) * 64 + substr(s, i + 2, 1) * 8 + substr(s, i + 3, 1))
			s = substr(s, i + 4)
		} else {
			out = out "\\"
			s = substr(s, i + 1)
		}
	}
	return out s
}'
unescape() {
	awk "$UNESCAPE_AWK"' BEGIN { printf "%s", unescape(ARGV[1]) }' "$1"
}
