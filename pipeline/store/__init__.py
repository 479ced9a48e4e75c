"""The content store: harvested articles (content/articles), run state and lock, the register of legal documents."""
