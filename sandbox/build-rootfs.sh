#!/usr/bin/env bash
# Registry-free build of the policy-router test sandbox images.
#
#   bash sandbox/build-rootfs.sh [mini|test|basic|all]     (default: all = mini + test)
#
# mini  -> policy-router-sandbox:mini   ~2 MB: busybox-static + applet symlinks, /bin/sh.
#          Needs the busybox-static Debian package on the host.
# test  -> policy-router-sandbox:test   ~185 MB: `debootstrap --variant=minbase bookworm`
#          + bash, coreutils, procps, python3-minimal, git. Needs debootstrap and an apt mirror.
# basic -> policy-router-sandbox:basic  the basic tier's Debian packages (as Dockerfile.basic,
#          without the pip requirements), for machines that cannot pull debian:bookworm-slim.
#
# Both are made from a root filesystem directory, packed with tar and loaded with
# `docker import`, so no container registry is ever contacted. Idempotent: an image
# that already exists is kept unless FORCE=1.
set -euo pipefail

what="${1:-all}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
work="$(mktemp -d /tmp/policy-router-rootfs.XXXXXX)"
trap 'rm -rf "$work"' EXIT

have_image() { [ "${FORCE:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

build_mini() {
  local tag=policy-router-sandbox:mini
  if have_image "$tag"; then echo "$tag exists"; return; fi
  local bb; bb="$(command -v busybox || true)"
  [ -n "$bb" ] || { echo "busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }
  local root="$work/mini"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,tmp,proc,sys,dev,etc,workspace}
  cp "$bb" "$root/bin/busybox"
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] && continue
    ln -sf /bin/busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import \
    -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'LABEL policy-router.image=mini' - "$tag" >/dev/null
  echo "built $tag"
}

TEST_PACKAGES=bash,coreutils,procps,python3-minimal,git,ca-certificates
# Keep in step with Dockerfile.basic.
BASIC_PACKAGES=bash,coreutils,procps,python3,python3-venv,git,ca-certificates,curl,wget,jq,less,file,findutils,grep,sed,gawk,tar,gzip,bzip2,xz-utils,zip,unzip,patch,diffutils,tree,openssh-client

build_debootstrap() {  # name packages
  local name="$1" packages="$2"
  local tag="policy-router-sandbox:$name"
  if have_image "$tag"; then echo "$tag exists"; return; fi
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  local root="$work/$name"
  debootstrap --variant=minbase --include="$packages" \
    bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  # Trim what a sandbox never needs.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
         "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
  mkdir -p "$root/workspace"
  tar -C "$root" --numeric-owner -c . | docker import \
    -c 'CMD ["/bin/bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' -c "LABEL policy-router.image=$name" - "$tag" >/dev/null
  echo "built $tag"
}

case "$what" in
  mini) build_mini ;;
  test) build_debootstrap test "$TEST_PACKAGES" ;;
  basic) build_debootstrap basic "$BASIC_PACKAGES" ;;
  all) build_mini; build_debootstrap test "$TEST_PACKAGES" ;;
  *) echo "usage: $0 [mini|test|basic|all]" >&2; exit 2 ;;
esac
