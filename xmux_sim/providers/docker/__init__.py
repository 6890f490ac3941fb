"""The docker provider: nodes are bridge networks, pods are a holder container plus the app."""
