variable "v" {
  type    = number
  default = 2
  validation {
    condition     = var.v < 10
    error_message = "small"
  }
}
locals {
  names = [for i in range(var.v) : format("web-%02d", i)]
  env   = { for n in local.names : upper(n) => "${n}:${var.v * 2}" }
}
job "j" {
  datacenters = ["dc1"]
  group "g" {
    count = var.v > 1 ? var.v : 1
    network {
      dynamic "port" {
        for_each = local.names
        labels   = [port.value]
        content { to = 8000 + port.key }
      }
    }
    task "t" {
      driver = "docker"
      config {
        image = "redis:${var.v}"
        args  = ["${NOMAD_PORT_web-00}", join(",", local.names), jsonencode(local.env)]
        ports = local.names[*]
      }
      env = merge(local.env, { X = "%{ if var.v > 1 }many%{ else }one%{ endif }" })
      template {
        data = <<-EOT
          %{ for n in local.names ~}
          ${n} ${file("x")}
          %{ endfor ~}
        EOT
      }
    }
  }
}
