"""The reason a timed-out session gets says what the host knows, and only that."""

from mockango.timeout_reason import timed_out_reason

LINE = {"time": "2026-11-29T10:00:01.234Z", "level": "INFO", "msg": "Plugin session is started!"}


def test_a_slow_plugin_client_plugin_is_not_blamed_on_the_official_client():
    reason = timed_out_reason(3, user_agent="plugin_client/0.1.0", connected=True, last_log=LINE)
    assert reason == ("no response came back from the plugin within the run's time limit (3 s); the plugin is still "
                      "connected (plugin_client 0.1.0); plugin_client answers even when the callback raises, so the "
                      "callback was still running: a slow model needs a longer limit (mockango run --timeout, or "
                      "serve --run-timeout); its last log line (10:00:01.234): INFO Plugin session is started!")
    assert "1.1.x" not in reason


def test_a_client_without_user_agent_gets_the_official_clients_hint():
    reason = timed_out_reason(300, user_agent="", connected=True, last_log=None)
    assert "(a client that sends no User-Agent (as the official ango package does))" in reason
    assert "official ango 1.1.x clients send no answer when the callback raises" in reason
    assert reason.endswith("; it logged nothing for this session")


def test_an_unknown_client_on_a_closed_connection_is_said_as_such():
    reason = timed_out_reason(1.5, user_agent=None, connected=False, last_log=LINE)
    assert reason.startswith("no response came back from the plugin within the run's time limit (1.5 s); "
                             "the connection the run was sent on is closed; its last log line")
    assert "official" not in reason and "plugin_client" not in reason
