"""The harvest stage: fetch sources, read feeds/listings/articles, sanitise, convert to Markdown, dedupe, mirror media and documents."""
