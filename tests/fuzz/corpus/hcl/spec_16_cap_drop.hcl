config {
  cap_drop = [
    "MKNOD",
  ]
}
