"""The officials' part of Pengumuman: /umumkan, four-eyes, /pengumuman, the export."""

from __future__ import annotations

from flows.announce import approval, compose, export, manage
from flows.common.text import N_
from flows.engine.catalog import AdminCommand, Capability, Command

PART = Capability(
    name="announce-compose",
    flows=(compose.COMPOSE_FLOW, approval.REFUSE_FLOW),
    admin_choices={approval.PREFIX: manage.on_button},
    admin_notes={compose.PREVIEW: compose.PREVIEW_NOTE},
    admin_commands=(
        AdminCommand(
            Command("umumkan", N_("Write an announcement to residents")),
            compose.start_compose,
            regions=True,
            button=N_("📢 New announcement"),
        ),
        AdminCommand(
            Command("pengumuman", N_("Recent announcements: counts, cancel, pause, stop")),
            manage.listing,
            regions=True,
        ),
    ),
    exports=(export.EXPORT,),
    region_names=(approval.PREFIX, compose.COMPOSE_FLOW.name, approval.REFUSE_FLOW.name),
)
