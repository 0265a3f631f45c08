"""Why a run timed out, in words: only what the host knows, not a guess dressed as a fact.

What is known: the run's time limit; whether the connection the run was sent on is
still open; which HTTP clients made REST calls with the run's key (their User-Agent,
e.g. ``python-requests/2.27.1``: the Socket.IO side shows no client name, as neither the
official ango package nor plugin_client sends one); and the last line the plugin logged.
A pure function, so the Hub calls it in one line.
"""

from __future__ import annotations

MORE_TIME = "a run that needs longer can be given it (mockango run --timeout, or serve --run-timeout)"


def timed_out_reason(time_limit: float, *, connected: bool, agents: list[str], last_log: dict | None) -> str:
    """The reason a session gets when its time limit passes with no answer."""
    parts = [f"no response came back from the plugin within the run's time limit ({time_limit:g} s)"]
    if connected:
        parts.append(
            "the plugin is still connected: its callback was still running, or it raised under a client "
            "that answers nothing then (official ango 1.1.x does; plugin_client and ango 1.4 answer with "
            "an error), so look for a traceback in the plugin's console"
        )
    else:
        parts.append("the connection the run was sent on is closed")
    if agents:
        parts.append(f"its REST calls with the run's key came from {', '.join(agents)}")
    else:
        parts.append("it made no REST call with the run's key")
    if last_log:
        parts.append(
            f"its last log line ({str(last_log.get('time', ''))[11:23]}): "
            f"{last_log.get('level', '')} {last_log.get('msg', '')}"
        )
    else:
        parts.append("it logged nothing for this session")
    parts.append(MORE_TIME)
    return "; ".join(parts)
