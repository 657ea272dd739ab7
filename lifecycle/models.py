"""Models of the lifecycle app."""
