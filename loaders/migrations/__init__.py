"""Steps that bring a store written by an earlier intelgraph to today's representation, one
module per change, each a ``migrate(store)`` that is idempotent (run twice, the second changes
nothing) and leaves a store already in today's form as it is."""
