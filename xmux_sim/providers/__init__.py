"""Providers realise a stack; they are the only code that talks to Docker (or Kubernetes)."""
