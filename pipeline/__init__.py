"""cds: harvest digital-transformation (chuyển đổi số) news and publish it as a static site."""

__version__ = "0.1.0"
