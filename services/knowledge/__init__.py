"""Knowledge: FAQ and solutions search on Meilisearch (port 8001)."""
