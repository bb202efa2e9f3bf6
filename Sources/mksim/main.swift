print("mksim")
