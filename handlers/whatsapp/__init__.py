"""WhatsApp through Meta's Cloud API (Graph API), on aiohttp."""
