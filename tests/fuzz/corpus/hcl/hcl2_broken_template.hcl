x = "%{ for a in [1] }${a + }%{ endfor"
y = [for k, v in {a = 1} : k => v]
z = {for v in [1, 2] : v => v}
w = try(var.nope, lookup({}, "k", null), can(1 / 0))
