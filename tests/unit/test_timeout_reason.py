"""The reason a timed-out session gets says what the host knows, and only that."""

from mockango.runs.timeout_reason import timed_out_reason

LINE = {"time": "2026-11-29T10:00:01.234Z", "level": "INFO", "msg": "Plugin session is started!"}


def test_a_connected_plugin_is_said_to_be_running_or_silent_not_blamed_on_one_client():
    reason = timed_out_reason(3, connected=True, agents=["python-requests/2.32.3"], last_log=LINE)
    assert reason == (
        "no response came back from the plugin within the run's time limit (3 s); the plugin is still connected: "
        "its callback was still running, or it raised under a client that answers nothing then (official ango "
        "1.1.x does; plugin_client and ango 1.4 answer with an error), so look for a traceback in the plugin's "
        "console; its REST calls with the run's key came from python-requests/2.32.3; its last log line "
        "(10:00:01.234): INFO Plugin session is started!; a run that needs longer can be given it (mockango run "
        "--timeout, or serve --run-timeout)"
    )


def test_a_closed_connection_without_calls_or_lines_is_said_as_such():
    reason = timed_out_reason(1.5, connected=False, agents=[], last_log=None)
    assert reason.startswith(
        "no response came back from the plugin within the run's time limit (1.5 s); the "
        "connection the run was sent on is closed; it made no REST call with the run's key; it "
        "logged nothing for this session; "
    )
    assert "1.1.x" not in reason
