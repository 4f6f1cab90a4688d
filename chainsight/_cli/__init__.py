"""CLI command groups. Each module exposes ``register(app)``; ``chainsight.cli`` wires them."""
