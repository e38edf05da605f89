"""The web simulator: a villager's phone and the admin chat, side by side, in a browser."""
