a = "caf√"
b = <<EOF
Ì†Ä
EOF
c = 1.
d = 1e-400
