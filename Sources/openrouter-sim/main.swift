print("openrouter-sim")
