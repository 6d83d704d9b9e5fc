a = 1
b {
  c = "${env["HOME"]}"
}
