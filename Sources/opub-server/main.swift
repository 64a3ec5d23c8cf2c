print("opub-server")
