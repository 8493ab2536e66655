"""Text classification shared by intents and distress levels: one normalised form of a message, its features, and a linear model stored as plain data."""
