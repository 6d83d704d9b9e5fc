a = 1
/* open