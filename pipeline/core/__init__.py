"""Pure helpers every stage may use: the data model, errors, text folding, URLs, atomic file writes, datelines."""
