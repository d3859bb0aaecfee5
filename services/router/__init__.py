"""The web app's one origin for `make run`: its files and the three services' /v1 APIs."""
