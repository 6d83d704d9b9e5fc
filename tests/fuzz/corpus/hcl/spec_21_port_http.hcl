port "http" {}
