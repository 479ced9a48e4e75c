"""The content store: harvested articles (content/articles), mirrored pictures (content/media), run state and lock, the register of legal documents."""
