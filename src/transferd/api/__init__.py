"""The HTTP layer: one module per resource; routes parse, call a service and render."""
