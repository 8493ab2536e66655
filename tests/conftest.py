"""Every test runs as a developer's machine unless it says otherwise: production is the
default of the code (bot.deployment), development must be asked for."""
import os

os.environ.setdefault("BOT_ENV", "development")
