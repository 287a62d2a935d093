# pxeboot-init (PxeBoot's init container, image openvcloud/pxeboot-init): fill the PXE host directory from the
# image's /source and the rendered boot configuration, then put the management gateway address on the management
# interface. Every start of the pod runs it again, so every step is idempotent. POSIX sh (bash, dash, busybox).
set -eu
source_dir=${PXE_SOURCE:-/source}
root=${PXE_ROOT:-/opt/pxeboot}
config=${PXE_CONFIG:-/etc/ovc}
interface=${PXE_INTERFACE:?PXE_INTERFACE is not set}
gateway=${PXE_GATEWAY:?PXE_GATEWAY is not set}
reinstall=${PXE_REINSTALL:-}
boot="$root/tftpboot/pxelinux.cfg"

# Replace a file in one step: never written through an old symlink (the installer linked its entries into conf/).
put() {
    cp "$1" "$2.new"
    chmod 0644 "$2.new"
    mv -f "$2.new" "$2"
}

mkdir -p "$boot" "$root/images"

# The image's pxelinux.0, ldlinux.c32, 911-vmlinuz, 911-ramfs and install images: a newer image's files win.
for dir in tftpboot images; do
    test -d "$source_dir/$dir" || { echo "pxeboot-init: this image has no $source_dir/$dir" >&2; exit 1; }
    cp -Rf "$source_dir/$dir/." "$root/$dir/"
done

put "$config/pxelinux-default" "$boot/default"
for entry in $reinstall; do
    put "$config/pxelinux-911" "$boot/$entry"
    echo "pxeboot-init: $entry boots the 911 rescue system (pxe.reinstall)"
done
for path in "$boot"/01-*; do
    test -e "$path" || test -L "$path" || continue
    entry=${path##*/}
    case " $reinstall " in
        *" $entry "*) ;;
        *) rm -f "$path"; echo "pxeboot-init: $entry removed, its node is no longer marked for reinstall" ;;
    esac
done
if test -f "$config/pubkey"; then
    put "$config/pubkey" "$root/images/pubkey"
fi
# dnsmasq runs as root and therefore serves only world-readable files; busybox httpd runs unprivileged.
chmod -R a+rX "$root/tftpboot" "$root/images"

ip link show dev "$interface" >/dev/null || { echo "pxeboot-init: this node has no interface $interface" >&2; exit 1; }
ip addr replace "$gateway" dev "$interface"
echo "pxeboot-init: $gateway on $interface"
# pxe.ipmi_address: dnsmasq answers the BMCs on the IPMI network too.
if [ -n "${PXE_IPMI_ADDRESS:-}" ]; then
    ip addr replace "$PXE_IPMI_ADDRESS" dev "$interface"
    echo "pxeboot-init: $PXE_IPMI_ADDRESS on $interface"
fi
