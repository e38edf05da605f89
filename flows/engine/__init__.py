"""The engine every capability runs on, channel-neutral.

Holds the message types (Incoming, Reply, Outbound), the context a step sees, the form
engine (named steps, Kembali, Batal, summary), the catalogue capabilities register into,
the runner (one message in, replies out, one transaction), the outbox queueing and delivery
outcomes, the admin-chat gate, the main menu and help, and the village/dusun steps.
`flows.engine.menu.CAPABILITY` is the built-in capability: menu, help, language, /batal.
"""
