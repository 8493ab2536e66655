"""Our dialogue policies (Rasa graph components named in config.yml `policies`)."""
