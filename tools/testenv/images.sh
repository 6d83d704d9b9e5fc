# shellcheck shell=bash
# Test images, built from Debian's busybox-static only (sourced by testenv.sh).
#
#   stevedore-test/busybox:1   CMD ["/bin/sh"]
#   stevedore-test/busybox:2   the same layer, a different image (label), so :1 != :2
#   stevedore-test/full:1      ENTRYPOINT, CMD, STOPSIGNAL SIGUSR1, EXPOSE 8080, WORKDIR /work
#   stevedore-test/tarred:1    only in $STATE/images/tarred.tar (docker save), not in the daemon
#   REG/stevedore/busybox:1,:2,:latest (= :2) and REG/stevedore/full:1 in the registry,
#   untagged locally after the push so that a pull really goes to the registry.

IMAGE_BUSYBOX=stevedore-test/busybox
IMAGE_FULL=stevedore-test/full:1
IMAGE_TARRED=stevedore-test/tarred:1
IMAGE_LABEL=org.stevedore.testenv

# The full image's command: serves /work on 8080 and exits 0 on its stop
# signal (a shell that is PID 1 ignores signals it does not trap).
FULL_CMD='trap "echo stopped by SIGUSR1; exit 0" USR1; echo full image ready in $(pwd); httpd -f -p 8080 -h /work & wait'

build_rootfs() {
  local root=$STATE/images/rootfs applet
  [[ -s "$STATE/images/rootfs.tar" ]] && return 0
  log "building the busybox root filesystem"
  rm -rf "$root"
  mkdir -p "$root"/{bin,etc,tmp,work,root,home}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
  echo 'stevedore test image' >"$root/work/index.html"
  # Fixed owner and times, so the layer (and its digest) is the same on every build.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    -C "$root" -cf "$STATE/images/rootfs.tar.tmp" .
  mv "$STATE/images/rootfs.tar.tmp" "$STATE/images/rootfs.tar"
}

image_present() { dk image inspect "$1" >/dev/null 2>&1; }

# import_image REF LABEL_VALUE CHANGE...: docker import of the rootfs.
import_image() {
  local ref=$1 label=$2
  shift 2
  local -a changes=(--change "LABEL $IMAGE_LABEL=$label")
  local c
  for c in "$@"; do changes+=(--change "$c"); done
  dk import "${changes[@]}" "$STATE/images/rootfs.tar" "$ref" >/dev/null
}

ensure_local_images() {
  mkdir -p "$STATE/images"
  local need=0
  image_present "$IMAGE_BUSYBOX:1" || need=1
  image_present "$IMAGE_BUSYBOX:2" || need=1
  image_present "$IMAGE_FULL" || need=1
  [[ -s "$STATE/images/tarred.tar" ]] || need=1
  ((need)) || return 0
  build_rootfs
  if ! image_present "$IMAGE_BUSYBOX:1"; then
    log "importing $IMAGE_BUSYBOX:1"
    import_image "$IMAGE_BUSYBOX:1" busybox-1 'CMD ["/bin/sh"]'
  fi
  if ! image_present "$IMAGE_BUSYBOX:2"; then
    log "importing $IMAGE_BUSYBOX:2"
    import_image "$IMAGE_BUSYBOX:2" busybox-2 'CMD ["/bin/sh"]'
  fi
  if ! image_present "$IMAGE_FULL"; then
    # `docker import --change` refuses STOPSIGNAL in 20.10; the classic
    # builder takes it, from a Dockerfile on stdin (no context, no RUN).
    log "building $IMAGE_FULL"
    DOCKER_BUILDKIT=0 dk build -q -t "$IMAGE_FULL" - >/dev/null <<EOF
FROM $IMAGE_BUSYBOX:1
LABEL $IMAGE_LABEL=full-1
ENV STEVEDORE_TEST_IMAGE=full
WORKDIR /work
EXPOSE 8080
STOPSIGNAL SIGUSR1
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["${FULL_CMD//\"/\\\"}"]
EOF
  fi
  if [[ ! -s "$STATE/images/tarred.tar" ]]; then
    log "saving $IMAGE_TARRED to images/tarred.tar"
    import_image "$IMAGE_TARRED" tarred-1 'CMD ["/bin/sh"]'
    dk save -o "$STATE/images/tarred.tar.tmp" "$IMAGE_TARRED"
    chmod 644 "$STATE/images/tarred.tar.tmp"
    mv "$STATE/images/tarred.tar.tmp" "$STATE/images/tarred.tar"
  fi
}

# The tarred image must not be in the daemon, so that loading it is meaningful.
ensure_tarred_absent() {
  if image_present "$IMAGE_TARRED"; then
    dk image rm "$IMAGE_TARRED" >/dev/null
  fi
}

# registry_has REPO TAG: checked on the registry's disk, not over HTTP, so the
# check adds no manifest request to the log that tests count pulls with.
registry_has() {
  [[ -s "$STATE/registry/data/docker/registry/v2/repositories/$1/_manifests/tags/$2/current/link" ]]
}

push_one() {
  local local_ref=$1 repo=$2 tag=$3 remote
  registry_has "$repo" "$tag" && return 0
  remote="$REGISTRY_ADDR/$repo:$tag"
  log "pushing $remote"
  dk tag "$local_ref" "$remote"
  dk push "$remote" >/dev/null
  dk image rm "$remote" >/dev/null
}

ensure_registry_images() {
  if registry_has stevedore/busybox 1 && registry_has stevedore/busybox 2 &&
    registry_has stevedore/busybox latest && registry_has stevedore/full 1; then
    return 0
  fi
  # A private DOCKER_CONFIG, so no credentials land in the user's ~/.docker.
  mkdir -p "$STATE/docker-config"
  chmod 700 "$STATE/docker-config"
  dk login -u "$REGISTRY_USER" --password-stdin "$REGISTRY_ADDR" \
    <<<"$REGISTRY_PASSWORD" >/dev/null 2>&1 || die "docker login to $REGISTRY_ADDR failed"
  push_one "$IMAGE_BUSYBOX:1" stevedore/busybox 1
  push_one "$IMAGE_BUSYBOX:2" stevedore/busybox 2
  push_one "$IMAGE_BUSYBOX:2" stevedore/busybox latest
  push_one "$IMAGE_FULL" stevedore/full 1
}
