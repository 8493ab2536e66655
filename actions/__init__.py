"""rasa-sdk action server: thin adapters from the Rasa tracker to the rules in bot/.

Run with: rasa run actions --actions actions
"""
