config {
  cap_add = [
    "SYS_TIME",
  ]
}
