config {
  mounts = [
    {
      target = "/path/in/container"
      source = "name-of-volume"
      readonly = false
      volume_options {
        no_copy = false
        labels {
          foo = "bar"
        }
        driver_config {
          name = "pxd"
          options = {
            foo = "bar"
          }
        }
      }
    }
  ]
}
