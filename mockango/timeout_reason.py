"""Why a run timed out, in words: only what the host knows, not a guess dressed as a fact.

What is known: the run's time limit, which client the plugin's connection says it is
(plugin_client sends ``User-Agent: plugin_client/<version>`` on its Socket.IO handshake;
the official ango package sends none), whether that connection is still open, and the
last line the plugin logged for the session. A pure function, so the Hub calls it in one line.
"""

from __future__ import annotations

OFFICIAL_HINT = ("official ango 1.1.x clients send no answer when the callback raises, so check the plugin's "
                 "console for a traceback")


def describe_client(user_agent: str | None) -> str | None:
    """``plugin_client/0.1.0`` -> ``plugin_client 0.1.0``; "" (no User-Agent) -> the official client's
    signature; None -> not known (e.g. a REST-connector plugin)."""
    if user_agent is None:
        return None
    if not user_agent:
        return "a client that sends no User-Agent (as the official ango package does)"
    return user_agent.replace("/", " ", 1)


def timed_out_reason(time_limit: float, *, user_agent: str | None, connected: bool,
                     last_log: dict | None) -> str:
    """The reason a session gets when its time limit passes with no answer."""
    parts = [f"no response came back from the plugin within the run's time limit ({time_limit:g} s)"]
    client = describe_client(user_agent)
    if connected:
        parts.append("the plugin is still connected" + (f" ({client})" if client else ""))
    else:
        parts.append("the connection the run was sent on is closed" + (f" (it was {client})" if client else ""))
    if user_agent and user_agent.startswith("plugin_client/"):
        parts.append("plugin_client answers even when the callback raises, so the callback was still running: "
                     "a slow model needs a longer limit (mockango run --timeout, or serve --run-timeout)")
    elif user_agent == "":
        parts.append(OFFICIAL_HINT + ", or the callback was still running")
    if last_log:
        parts.append(f"its last log line ({str(last_log.get('time', ''))[11:23]}): "
                     f"{last_log.get('level', '')} {last_log.get('msg', '')}")
    else:
        parts.append("it logged nothing for this session")
    return "; ".join(parts)
