config {
  security_opt = [
    "credentialspec=file://gmsaUser.json",
  ]
}
