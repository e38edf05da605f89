"""What Balai says and does, independent of the chat app a person uses."""
