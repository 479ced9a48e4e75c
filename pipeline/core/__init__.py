"""Pure helpers every stage may use: the data model, errors, text folding and plain text, URLs and slugs, YAML files, atomic file writes, datelines."""
