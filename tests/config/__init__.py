"""Tests of the project configuration (health, logging)."""
