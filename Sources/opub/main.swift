print("opub")
