# shellcheck shell=bash
# Certificates for the daemon's mutual-TLS listener (sourced by testenv.sh).
#
#   $STATE/pki/    ca-key.pem ca.pem server-cert.pem server-key.pem (daemon side)
#   $STATE/certs/  ca.pem cert.pem key.pem (client side, as DOCKER_CERT_PATH expects)

certs_valid() {
  local f
  for f in pki/ca.pem pki/ca-key.pem pki/server-cert.pem pki/server-key.pem \
    certs/ca.pem certs/cert.pem certs/key.pem; do
    [[ -s "$STATE/$f" ]] || return 1
  done
  openssl verify -CAfile "$STATE/pki/ca.pem" "$STATE/pki/server-cert.pem" \
    "$STATE/certs/cert.pem" >/dev/null 2>&1 || return 1
  # Regenerate a day before anything expires.
  for f in pki/ca.pem pki/server-cert.pem certs/cert.pem; do
    openssl x509 -noout -checkend 86400 -in "$STATE/$f" >/dev/null 2>&1 || return 1
  done
}

# sign_cert NAME CN EXTENSIONS: key + certificate signed by our CA.
sign_cert() {
  local name=$1 cn=$2 ext=$3 dir=$STATE/pki
  openssl genrsa -out "$dir/$name-key.pem" 2048 2>/dev/null
  openssl req -new -key "$dir/$name-key.pem" -subj "/CN=$cn" -out "$dir/$name.csr"
  printf '%b\n' "$ext" >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 \
    -extfile "$dir/$name.ext" -out "$dir/$name-cert.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

make_certs() {
  local dir=$STATE/pki
  log "generating CA, server and client certificates"
  rm -rf "$dir" "$STATE/certs"
  mkdir -p "$dir" "$STATE/certs"
  chmod 700 "$dir"
  (
    umask 077
    openssl genrsa -out "$dir/ca-key.pem" 2048 2>/dev/null
    openssl req -x509 -new -key "$dir/ca-key.pem" -subj "/CN=stevedore-testenv-ca" \
      -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$dir/ca.pem"
    sign_cert server localhost \
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost'
    sign_cert client stevedore-testenv-client \
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
  )
  cp "$dir/ca.pem" "$STATE/certs/ca.pem"
  mv "$dir/client-cert.pem" "$STATE/certs/cert.pem"
  mv "$dir/client-key.pem" "$STATE/certs/key.pem"
  chmod 644 "$STATE/certs/ca.pem" "$STATE/certs/cert.pem"
  chmod 600 "$STATE/certs/key.pem"
}

ensure_certs() { certs_valid || make_certs; }
