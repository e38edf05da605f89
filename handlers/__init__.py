"""Channels: each turns its platform's messages into Incoming and renders Replies."""
