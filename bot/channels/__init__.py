"""Our Rasa input channels: the authenticated borrower socket and the web pages."""
