// OpenRouterSim
