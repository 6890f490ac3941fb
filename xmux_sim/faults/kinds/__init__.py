"""The fault kinds, one module per family; each module-level FaultKind is registered."""
