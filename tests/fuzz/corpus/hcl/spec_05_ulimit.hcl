config {
  ulimit {
    nproc = "4242"
    nofile = "2048:4096"
  }
}
