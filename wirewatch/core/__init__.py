"""What every layer shares: the typed config, the record extraction produces and
storage consumes, text and address normalisation, the error vocabulary and the
schedule grammar. The core imports no layer (import-linter holds it so)."""
