// OpenRouter
