a = "x${foo"
b = 1
