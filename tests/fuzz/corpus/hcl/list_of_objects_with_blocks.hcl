mounts = [ { target = "/x" volume_options { no_copy = false labels { foo = "bar" } } } ]
