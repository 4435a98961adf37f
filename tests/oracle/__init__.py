"""The dynamic oracle: grammar, harness and the bounded oracle test."""
